/**
 * `local --fire-schedules` and `--alarms-as-of`: bad values are refused naming the flag,
 * before anything starts.
 */
import { throwingProgram } from "../helpers/cli";

const local = (...args: string[]) =>
  throwingProgram().parseAsync(["node", "cdktf-genesys-consumer", "local", "--stack-dir", "/nonexistent/stack", ...args]);

test.each([
  [["--fire-schedules", "0"], /--fire-schedules must be a positive integer \(firings to wait for\), got "0"/],
  [["--fire-schedules", "1.5"], /--fire-schedules must be a positive integer/],
  [["--alarms-as-of", "-3"], /--alarms-as-of must be a positive number, got "-3"/],
])("%j is refused before anything starts", async (args, message) => {
  await expect(local(...args)).rejects.toThrow(message);
});

test("good values reach the stack loader (which then names the missing stack)", async () => {
  await expect(local("--fire-schedules", "2", "--alarms-as-of", "3")).rejects.toThrow(/no synthesized stack at \/nonexistent\/stack/);
});
