/**
 * JMeter test plans, shaped as JMeter 5.6.3 saves them (fixtures/), converted into profiles;
 * every rate and duration is checked against a hand computation written next to it.
 * R is the assumed response time: 100 ms unless the test says otherwise.
 */
import { convertPlan, PlanConversionError, renderConversionNotes } from "../../../../lib/runtime/loadgen/convert";
import { acceptedPhases, fixture, notesMatching, shape } from "./helpers";

describe("convertPlan: standard Thread Group (closed model)", () => {
  test("the issue's plan: 100 threads, ramp-up 10 s, one POST every 2 s, 600 s", () => {
    const result = convertPlan(fixture("typical-plan.jmx"), { fileName: "typical-plan.jmx" });
    expect(result.format).toBe("jmx");
    expect(result.profile.name).toBe("Genesys webhook 429 repro");
    // rate = N / (T + R) = 100 / (2 + 0.1) = 47.619/s; threads start evenly over 10 s, so the
    // rate ramps 0 -> 47.619 over 10 s, then holds for the rest of the 600 s: 590 s.
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 0, 47.619, 10],
      ["constant", 47.619, 47.619, 590],
    ]);
    const text = renderConversionNotes(result.notes);
    expect(text).toContain("rate = threads / (think time + R) = 100 / (2 s + 0.1 s) = 47.619048/s");
    expect(text).toContain("R = 100 ms (option responseTimeMs)");
    // The closed model hides the overload; the output must say so.
    expect(notesMatching(result.notes, "warning", "the overload hides itself")).toHaveLength(1);
    expect(notesMatching(result.notes, "not-converted", "Response Assertion (ResponseAssertion)")).toHaveLength(1);
    expect(notesMatching(result.notes, "not-converted", "HTTP Header Manager (HeaderManager)")).toHaveLength(1);
  });

  test("responseTimeMs changes the closed-to-open rate", () => {
    // R = 400 ms: 100 / (2 + 0.4) = 41.667/s
    const phases = acceptedPhases(convertPlan(fixture("typical-plan.jmx"), { responseTimeMs: 400 }));
    expect(shape(phases)[1]).toEqual(["constant", 41.667, 41.667, 590]);
  });

  test("a finite loop count ends each thread after loops x cycle; threads overlap as they start", () => {
    // 100 threads, ramp 10 s, 60 loops of 2.1 s = 126 s per thread, no scheduler:
    // up over 10 s to 47.619/s, flat 126 - 10 = 116 s, down over 10 s as the threads finish.
    const xml = fixture("typical-plan.jmx")
      .replace('<intProp name="LoopController.loops">-1</intProp>', '<stringProp name="LoopController.loops">60</stringProp>')
      .replace('<boolProp name="ThreadGroup.scheduler">true</boolProp>', '<boolProp name="ThreadGroup.scheduler">false</boolProp>');
    expect(shape(acceptedPhases(convertPlan(xml)))).toEqual([
      ["ramp", 0, 47.619, 10],
      ["constant", 47.619, 47.619, 116],
      ["ramp", 47.619, 0, 10],
    ]);
  });

  test("the scheduler's startup delay becomes a pause before the group", () => {
    const xml = fixture("typical-plan.jmx").replace(
      '<longProp name="ThreadGroup.delay">0</longProp>',
      '<longProp name="ThreadGroup.delay">30</longProp>',
    );
    expect(shape(acceptedPhases(convertPlan(xml)))).toEqual([
      ["pause", 0, 0, 30],
      ["ramp", 0, 47.619, 10],
      ["constant", 47.619, 47.619, 590],
    ]);
  });

  test("a plan that loops forever without a duration is refused, naming the element and the fix", () => {
    const xml = fixture("typical-plan.jmx").replace(
      '<boolProp name="ThreadGroup.scheduler">true</boolProp>',
      '<boolProp name="ThreadGroup.scheduler">false</boolProp>',
    );
    expect(() => convertPlan(xml)).toThrow(PlanConversionError);
    expect(() => convertPlan(xml)).toThrow(
      'Open Messaging senders (ThreadGroup): loops forever (Infinite) with no scheduler duration: the plan never ends; tick "Specify Thread lifetime" and give a Duration, or give a loop count',
    );
  });
});

describe("convertPlan: Constant Throughput Timer, each calcMode", () => {
  // Two groups under one Test Plan-level timer: Orders 60 threads, Support 40 threads, both
  // thinking 900 ms: alone, a thread sends 1 / (0.9 + 0.1) = 1/s, so Orders can do 60/s, Support 40/s.
  const withTimer = (calcMode: number, perMinute: number) =>
    fixture("constant-throughput.jmx")
      .replace('<intProp name="calcMode">2</intProp>', `<intProp name="calcMode">${calcMode}</intProp>`)
      .replace("<value>1200.0</value>", `<value>${perMinute}.0</value>`);
  const rate = (calcMode: number, perMinute: number) => {
    const phases = acceptedPhases(convertPlan(withTimer(calcMode, perMinute)));
    expect(phases).toHaveLength(1);
    expect(phases[0].durationSeconds).toBe(300);
    return phases[0].type === "constant" ? phases[0].ratePerSecond : NaN;
  };

  test("0, this thread only: each thread paced at throughput/60, the total times the threads", () => {
    // 30/min = 0.5/s per thread (below the 1/s a thread can do): (60 + 40) x 0.5 = 50/s
    expect(rate(0, 30)).toBeCloseTo(50, 6);
    // 1200/min = 20/s per thread is above what a thread can do: the threads' 60 + 40 = 100/s
    expect(rate(0, 1200)).toBeCloseTo(100, 6);
  });

  test("1, all active threads: one target shared by both groups", () => {
    // 1200/min = 20/s for the whole plan (Orders 20 x 60/100 = 12, Support 20 x 40/100 = 8)
    expect(rate(1, 1200)).toBeCloseTo(20, 6);
  });

  test("2, all active threads in current thread group: the target for each group", () => {
    // 20/s for Orders + 20/s for Support = 40/s
    expect(rate(2, 1200)).toBeCloseTo(40, 6);
  });

  test("3, all active threads (shared): one target for the plan", () => {
    expect(rate(3, 1200)).toBeCloseTo(20, 6);
  });

  test("4, all active threads in current thread group (shared): the target for each group", () => {
    expect(rate(4, 1200)).toBeCloseTo(40, 6);
  });

  test("a target above what the threads can send is converted at what they can send, with a warning", () => {
    // calcMode 2, 6000/min = 100/s per group: Orders can do 60/s, Support 40/s => 100/s, not 200/s
    const result = convertPlan(withTimer(2, 6000));
    expect(acceptedPhases(result)[0]).toMatchObject({ type: "constant", ratePerSecond: 100 });
    expect(notesMatching(result.notes, "warning", "asks for 100/s, but its threads can send only 60/s")).toHaveLength(1);
    expect(notesMatching(result.notes, "warning", "asks for 100/s, but its threads can send only 40/s")).toHaveLength(1);
  });

  test("throughput as a property reference, saved as a stringProp", () => {
    const xml = fixture("constant-throughput.jmx").replace(
      /<doubleProp>\s*<name>throughput<\/name>[\s\S]*?<\/doubleProp>/,
      '<stringProp name="throughput">${__P(tpm,600)}</stringProp>',
    );
    // default 600/min = 10/s per group, calcMode 2: 20/s; with -Jtpm=1800: 30/s per group = 60/s
    expect(acceptedPhases(convertPlan(xml))[0]).toMatchObject({ ratePerSecond: 20 });
    expect(acceptedPhases(convertPlan(xml, { properties: { tpm: "1800" } }))[0]).toMatchObject({ ratePerSecond: 60 });
  });
});

describe("convertPlan: JMeter Plugins thread groups and timers", () => {
  test("Concurrency Thread Group: 50 threads in 4 steps over 2 min, held 8 min", () => {
    const result = convertPlan(fixture("concurrency.jmx"));
    // Uniform Random Timer: 3900 ms + U(0, 2000) => mean 4900 ms; a thread: 1 / (4.9 + 0.1) = 0.2/s.
    // Unit M: ramp 2 min = 120 s in 4 steps of 30 s at 12.5, 25, 37.5, 50 threads (the first at
    // once) => 2.5, 5, 7.5, 10/s; the 4th step (30 s) and the hold (480 s) both at 10/s: 510 s.
    expect(shape(acceptedPhases(result))).toEqual([
      ["constant", 2.5, 2.5, 30],
      ["constant", 5, 5, 30],
      ["constant", 7.5, 7.5, 30],
      ["constant", 10, 10, 510],
    ]);
    expect(notesMatching(result.notes, "info", "mean 4900 ms")).toHaveLength(1);
  });

  test("Arrivals Thread Group: 600 arrivals/min reached linearly over 1 min, held 5 min", () => {
    const result = convertPlan(fixture("arrivals.jmx"));
    // Unit M: 600/min = 10/s; RampUp 1 min = 60 s (no steps: linear), Hold 5 min = 300 s.
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 0, 10, 60],
      ["constant", 10, 10, 300],
    ]);
    // No closed-model assumption: arrivals are already an open model.
    expect(notesMatching(result.notes, "assumption", "closed model")).toHaveLength(0);
    expect(notesMatching(result.notes, "assumption", "property `limit` not given")).toHaveLength(1);
  });

  test("Arrivals Thread Group: a ConcurrencyLimit too low for the rate caps it, with a warning", () => {
    // -Jlimit=1 with R = 200 ms: one thread runs at most 1 / 0.2 s = 5 iterations/s, below the 10/s target.
    const result = convertPlan(fixture("arrivals.jmx"), { properties: { limit: "1" }, responseTimeMs: 200 });
    // the ramp 0 -> 10 over 60 s crosses 5/s at 30 s; then 5/s to the end (30 + 300 s = 330 s)
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 0, 5, 30],
      ["constant", 5, 5, 330],
    ]);
    expect(notesMatching(result.notes, "warning", "can send only 5/s")).toHaveLength(1);
  });

  test("Throughput Shaping Timer: its load_profile rows, the test ending with the schedule", () => {
    const result = convertPlan(fixture("throughput-shaping.jmx"));
    // 200 threads with no think time can do 200 / 0.1 = 2000/s, above every row: the rows are the rate.
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 1, 50, 60],
      ["constant", 50, 50, 120],
      ["ramp", 50, 200, 30],
      ["constant", 200, 200, 60],
      ["ramp", 200, 10, 30],
    ]);
    expect(notesMatching(result.notes, "info", "5 row(s), 300 s, peak 200 samples/s")).toHaveLength(1);
  });

  test("Throughput Shaping Timer: a load_profile property replaces the rows, as in JMeter", () => {
    const result = convertPlan(fixture("throughput-shaping.jmx"), {
      properties: { load_profile: "line(1,10,10s) const(10,1m) step(20,40,10,5s)" },
    });
    // line 1 -> 10 over 10 s; const 10 for 60 s; step: 20, 30, 40 for 5 s each
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 1, 10, 10],
      ["constant", 10, 10, 60],
      ["constant", 20, 20, 5],
      ["constant", 30, 30, 5],
      ["constant", 40, 40, 5],
    ]);
  });

  test("Throughput Shaping Timer: threads too few for the schedule cap it, with a warning", () => {
    // 10 threads, no think time, R = 100 ms: 10 / 0.1 = 100/s; the rows above 100/s are cut:
    // row 3 ramps 50 -> 200 over 30 s and crosses 100/s at 10 s; row 5 ramps 200 -> 10 over 30 s, crossing 100 at 300 - 30 + 15.789 s.
    const xml = fixture("throughput-shaping.jmx").replace(
      '<intProp name="ThreadGroup.num_threads">200</intProp>',
      '<intProp name="ThreadGroup.num_threads">10</intProp>',
    );
    const result = convertPlan(xml);
    const phases = shape(acceptedPhases(result));
    expect(phases.slice(0, 4)).toEqual([
      ["ramp", 1, 50, 60],
      ["constant", 50, 50, 120],
      ["ramp", 50, 100, 10],
      ["constant", 100, 100, 20 + 60 + 15.789],
    ]);
    // (200 - 100) / (190 / 30 s) = 15.789 s into the last row, then down to 10 over the remaining 14.211 s
    expect(phases[4]).toEqual(["ramp", 100, 10, 14.211]);
    expect(notesMatching(result.notes, "warning", "asks for 200/s, but its threads can send only 100/s")).toHaveLength(1);
  });
});

describe("convertPlan: controllers, timers and groups in sequence", () => {
  test("a Loop Controller multiplies its samplers; a Transaction Controller passes through; other controllers are flagged", () => {
    const result = convertPlan(fixture("loop-controller.jmx"));
    // An iteration: GET (R) + 3 x (2 s Typing timer + POST R) = 4 samplers, 6 s of timers:
    // cycle = 6 + 4 x 0.1 = 6.4 s with 3 POSTs: 100 threads x 3 / 6.4 = 46.875/s for 60 s.
    expect(shape(acceptedPhases(result))).toEqual([["constant", 46.875, 46.875, 60]]);
    expect(
      notesMatching(result.notes, "info", "x3 (LoopController): Loop Controller: its samplers run 3 times per iteration"),
    ).toHaveLength(1);
    expect(notesMatching(result.notes, "warning", "Sometimes (IfController): IfController: its logic is not converted")).toHaveLength(1);
    expect(renderConversionNotes(result.notes)).toContain("100 x 3 / (6 s + 4 x 0.1 s) = 46.875/s");
  });

  test("Gaussian and Poisson random timers count with their mean", () => {
    // Gaussian: |N(0,1) x 2000 + 3900| has mean ~3900 ms: 50 / (3.9 + 0.1) = 12.5/s at the hold.
    // Poisson: 3900 + Poisson(lambda 2000) has mean 5900 ms: 50 / (5.9 + 0.1) = 8.333/s.
    const as = (cls: string) => fixture("concurrency.jmx").replace(/UniformRandomTimer/g, cls);
    expect(shape(acceptedPhases(convertPlan(as("GaussianRandomTimer")))).pop()).toEqual(["constant", 12.5, 12.5, 510]);
    expect(shape(acceptedPhases(convertPlan(as("PoissonRandomTimer")))).pop()).toEqual(["constant", 8.333, 8.333, 510]);
  });

  test("Run Thread Groups consecutively: the groups follow each other", () => {
    const xml = fixture("constant-throughput.jmx").replace(
      '<elementProp name="TestPlan.user_defined_variables"',
      '<boolProp name="TestPlan.serialize_threadgroups">true</boolProp>\n      <elementProp name="TestPlan.user_defined_variables"',
    );
    // calcMode 2, 20/s per group: Orders 20/s for 300 s, then Support 20/s for 300 s
    const phases = acceptedPhases(convertPlan(xml));
    expect(phases.map((p) => [p.name, p.durationSeconds, p.type === "constant" ? p.ratePerSecond : NaN])).toEqual([
      ["Orders", 300, 20],
      ["Support", 300, 20],
    ]);
  });
});

describe("convertPlan: what a real plan carries besides the load", () => {
  test("disabled elements are skipped with a note, property references use their defaults, scripts are listed", () => {
    const result = convertPlan(fixture("mixed-properties.jmx"));
    // Per iteration: GET token, JSR223 sampler, POST webhook = 3 samplers, each R = 0.1 s; the
    // only enabled timer is the POST's own Constant Timer ${THINK_MS} = 1000 ms (the group's
    // 5000 ms timer is disabled): cycle = 1 + 3 x 0.1 = 1.3 s, 1 POST per iteration.
    // threads ${__P(threads,40)} = 40: 40 / 1.3 = 30.769/s; ramp ${RAMP} = ${__P(ramp,20)} = 20 s;
    // duration ${__property(duration,,120)} = 120 s: up 20 s, then 100 s. The disabled 500-thread group adds nothing.
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 0, 30.769, 20],
      ["constant", 30.769, 30.769, 100],
    ]);
    expect(notesMatching(result.notes, "info", 'Old pacing (ConstantTimer): disabled in the plan (enabled="false")')).toHaveLength(1);
    expect(notesMatching(result.notes, "info", 'Soak (off) (ThreadGroup): disabled in the plan (enabled="false")')).toHaveLength(1);
    expect(
      notesMatching(
        result.notes,
        "not-converted",
        "Build payload (JSR223Sampler): sampler JSR223Sampler: not converted, script code (JSR223/BeanShell) is not run",
      ),
    ).toHaveLength(1);
    expect(notesMatching(result.notes, "not-converted", "GET token (HTTPSamplerProxy): HTTP GET /oauth/token: not converted")).toHaveLength(
      1,
    );
    expect(notesMatching(result.notes, "not-converted", "Extract token (JSONPostProcessor)")).toHaveLength(1);
    expect(notesMatching(result.notes, "not-converted", "Customers (CSVDataSet)")).toHaveLength(1);
    for (const p of ["threads", "ramp", "duration"])
      expect(notesMatching(result.notes, "assumption", `property \`${p}\` not given`)).toHaveLength(1);
  });

  test("properties (JMeter -J) override the defaults", () => {
    // 80 / 1.3 = 61.538/s, ramp 10 s, duration 60 s: up 10 s, 50 s flat
    const result = convertPlan(fixture("mixed-properties.jmx"), { properties: { threads: "80", ramp: "10", duration: "60" } });
    expect(shape(acceptedPhases(result))).toEqual([
      ["ramp", 0, 61.538, 10],
      ["constant", 61.538, 61.538, 50],
    ]);
    expect(notesMatching(result.notes, "assumption", "not given")).toHaveLength(0);
  });

  test("webhookPath picks the sampler that stands for the webhook; an unknown one is refused", () => {
    const xml = fixture("mixed-properties.jmx").replace(
      '<stringProp name="HTTPSampler.method">GET</stringProp>',
      '<stringProp name="HTTPSampler.method">POST</stringProp>',
    );
    // two POSTs now: /oauth/token first. Default: the first POST path is the webhook.
    const first = convertPlan(xml);
    expect(
      notesMatching(
        first.notes,
        "not-converted",
        'POST /webhook: not converted, the profile only sends webhook POSTs (the webhook was taken to be "/oauth/token"',
      ),
    ).toHaveLength(1);
    const picked = convertPlan(xml, { webhookPath: "/webhook" });
    expect(notesMatching(picked.notes, "not-converted", "POST /oauth/token: not converted")).toHaveLength(1);
    expect(() => convertPlan(xml, { webhookPath: "/nope" })).toThrow(
      'webhookPath "/nope" matches no HTTP POST sampler of the plan (POST paths: "/oauth/token", "/webhook"); pass one of them',
    );
  });

  test("an empty sampler path takes the HTTP Request Defaults' path", () => {
    const xml = fixture("typical-plan.jmx")
      .replace(
        '<stringProp name="HTTPSampler.path">/prod/genesys/webhook</stringProp>',
        '<stringProp name="HTTPSampler.path"></stringProp>',
      )
      .replace(
        "<hashTree>\n      <ThreadGroup",
        '<hashTree>\n      <ConfigTestElement guiclass="HttpDefaultsGui" testclass="ConfigTestElement" testname="HTTP Request Defaults">\n        <stringProp name="HTTPSampler.path">/default/webhook</stringProp>\n      </ConfigTestElement>\n      <hashTree/>\n      <ThreadGroup',
      );
    const result = convertPlan(xml, { webhookPath: "/default/webhook" });
    expect(notesMatching(result.notes, "info", "HTTP POST /default/webhook: stands for the Genesys webhook delivery")).toHaveLength(1);
    expect(
      notesMatching(
        result.notes,
        "info",
        "HTTP Request Defaults (ConfigTestElement): HTTP Request Defaults: the target is the pipeline's ingress URL",
      ),
    ).toHaveLength(1);
  });

  test("a value no reference can explain is refused, naming the element, the property and the fix", () => {
    const xml = fixture("mixed-properties.jmx").replace("${__P(threads,40)}", "${__Random(1,50)}");
    expect(() => convertPlan(xml)).toThrow(
      /^Customers \(ThreadGroup\): ThreadGroup\.num_threads is "\$\{__Random\(1,50\)\}", not a number: .*pass the value in `properties`/,
    );
  });

  test("__P without a default is JMeter's 1, and says so", () => {
    const xml = fixture("mixed-properties.jmx").replace("${__P(threads,40)}", "${__P(threads)}");
    const result = convertPlan(xml);
    // 1 thread: 1 / 1.3 = 0.769/s
    expect(shape(acceptedPhases(result))[1]).toEqual(["constant", 0.769, 0.769, 100]);
    expect(notesMatching(result.notes, "assumption", "JMeter's implicit default for __P without one")).toHaveLength(1);
  });

  test("malformed XML and non-plans are refused with the reason", () => {
    expect(() => convertPlan('<?xml version="1.0"?><jmeterTestPlan><hashTree></jmeterTestPlan>')).toThrow(
      /^not well-formed XML at line 1, column \d+: .*save the plan again from JMeter$/,
    );
    expect(() => convertPlan("<html><body/></html>")).toThrow("no <jmeterTestPlan> root element");
    expect(() => convertPlan("hello: world\n", { fileName: "plan.yml" })).toThrow("plan.yml: not a plan this converter reads");
    expect(() => convertPlan(fixture("typical-plan.jmx"), { responseTimeMs: 0 })).toThrow(
      "responseTimeMs is 0: give the expected response time of one request in milliseconds, > 0 (default 100)",
    );
  });
});
