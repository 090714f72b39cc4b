/** The local run's backpressure recorder, fed by a real fake Genesys. */
import { BackpressureRecorder } from "../../lib/local/backpressure";
import { startFakeGenesys, type FakeGenesys } from "../../lib/local/fake-genesys";

async function call(fake: FakeGenesys, times: number): Promise<number[]> {
  const { access_token } = (await (
    await fetch(`${fake.endpoint}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=c&client_secret=s",
    })
  ).json()) as { access_token: string };
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) {
    const res = await fetch(`${fake.endpoint}/api/v2/conversations/messages/int-1/inbound/open/message`, {
      method: "POST",
      headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
      body: JSON.stringify({ channel: { messageId: `m${i}` }, text: "hi" }),
    });
    statuses.push(res.status);
  }
  return statuses;
}

test("records queue depth, worker concurrency, downstream calls and 429s per second and dead letters, relative to the plan's start", async () => {
  // Prepare: a fake Genesys allowing 2 calls (burst 2, 1/s), a worker with 3 then 1 invocations running
  const fake = await startFakeGenesys({ ratePerSecond: 1, burst: 2 });
  const running = { worker: 3, received: 0 };
  const recorder = new BackpressureRecorder({
    functions: () => [
      { name: "worker", concurrent: running.worker },
      { name: "other", concurrent: 9 },
    ],
    downstream: () => fake.stats(),
    polled: () => running.received,
  });
  const start = 1_000_000;
  try {
    // Act: a sampling round a second, as the local run does
    recorder.queue("ingress", { visible: 0, notVisible: 0, delayed: 0 }, start - 5000); // before the plan: left out
    recorder.tick(start - 5000);
    recorder.queue("ingress", { visible: 40, notVisible: 10, delayed: 2 }, start);
    recorder.queue("dlq", { visible: 0, notVisible: 0, delayed: 0 }, start);
    recorder.queue("quarantine", { visible: 1, notVisible: 0, delayed: 0 }, start);
    recorder.tick(start);
    expect(await call(fake, 5)).toEqual([200, 200, 429, 429, 429]);
    running.worker = 1;
    running.received = 30;
    recorder.queue("ingress", { visible: 5, notVisible: 3, delayed: 0 }, start + 2000);
    recorder.queue("dlq", { visible: 2, notVisible: 1, delayed: 0 }, start + 2000);
    recorder.queue("quarantine", { visible: 1, notVisible: 0, delayed: 1 }, start + 2000);
    recorder.tick(start + 2000);
    const block = recorder.block({
      startMs: start,
      queueName: "ingress",
      deadLetterQueueNames: ["dlq", "quarantine", undefined],
      workerFunctionName: "worker",
    });

    // Assess
    expect(block).toMatchObject({ source: "emulator", periodSeconds: 1 });
    expect(block.series).toEqual({
      queueVisible: [
        [0, 40],
        [2000, 5],
      ],
      queueInFlight: [
        [0, 10],
        [2000, 3],
      ],
      queueDelayed: [
        [0, 2],
        [2000, 0],
      ],
      deadLetters: [
        [0, 1],
        [2000, 5],
      ],
      workerConcurrency: [
        [0, 3],
        [2000, 1],
      ],
      eventsPolled: [
        [0, 0],
        [2000, 15],
      ], // 30 records over 2 s
      downstreamCalls: [
        [0, 0],
        [2000, 2.5],
      ], // 5 calls over 2 s
      downstream429: [
        [0, 0],
        [2000, 1.5],
      ], // 3 of them 429
    });
    expect(block.notes).toContain("dead letters: messages in dlq and quarantine (visible, in flight and delayed)");
  } finally {
    await fake.close();
  }
});

test("says what it did not see instead of drawing zeros, and never reports a negative rate after the fake is reset", async () => {
  const fake = await startFakeGenesys();
  try {
    const recorder = new BackpressureRecorder({ functions: () => [], downstream: () => fake.stats() });
    recorder.tick(0);
    await call(fake, 2);
    recorder.tick(1000);
    fake.reset();
    recorder.tick(2000);
    const block = recorder.block({ startMs: 0, queueName: "ingress", deadLetterQueueNames: [undefined], workerFunctionName: "worker" });
    expect(block.series).toEqual({
      downstreamCalls: [
        [1000, 2],
        [2000, 0],
      ],
      downstream429: [
        [1000, 0],
        [2000, 0],
      ],
    });
    expect(block.notes).toEqual(
      expect.arrayContaining([
        "the ingress queue ingress was not sampled",
        "dead letters: the worker names no DLQ or quarantine queue of the stack",
        "worker concurrency: no function host named worker",
      ]),
    );
  } finally {
    await fake.close();
  }
});
