// The functions target nodejs22.x; the SDK's notice about this machine's Node 20 is noise in test output.
// (cdktf's jest matchers, `Testing.setupJest()`, are not installed: the synth tests assert on the
// synthesized JSON through test/constructs/support.ts, which names the resource that differs.)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
