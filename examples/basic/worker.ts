/**
 * The demo worker: the handler a platform team writes with the runtime half of the package.
 *
 * A real outbound message from Genesys is acknowledged with a "Delivered" receipt
 * (./acknowledge.ts); an event (e.g. a typing indicator) is skipped. A synthetic message
 * from the spike generator runs the same code, but its Genesys calls are simulated (the stack's `synthetic: { downstream: "simulate" }`: rate
 * limit, breaker and timeout, then a 202 without a network call), so the nightly spike never
 * calls the production org. When the stack runs locally the emulator points them at a
 * Genesys-like fake instead, so side effects can be counted and goodput measured.
 */
import { createWorker } from "cdktf-genesys-consumer/runtime";
import { acknowledge } from "./acknowledge";

export const handler = createWorker({
  handle: acknowledge,
  handleSynthetic: acknowledge,
});
