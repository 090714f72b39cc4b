/**
 * Synthesizes the demo stack (examples/basic, as bin/main.ts does) into the folder given as
 * the first argument, with the framework that test/helpers/framework-hook.ts selects.
 */
import { App } from "cdktf";
import { DemoStack } from "../../examples/basic/stack";

const outdir = process.argv[2];
if (!outdir) throw new Error("usage: synth-demo.ts <outdir>");
const app = new App({ outdir });
new DemoStack(app, "demo");
app.synth();
