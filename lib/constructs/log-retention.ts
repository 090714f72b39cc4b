/** CloudWatch Logs retention values, days (the only ones the service accepts). */
import { Problems, isLiteralNumber } from "./errors";

export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Default retention of every log group this library creates, days. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** Adds a problem when `value` is not a retention CloudWatch Logs accepts. */
export function checkLogRetention(problems: Problems, prop: string, value: number | undefined): void {
  if (isLiteralNumber(value) && !(LOG_RETENTION_DAYS as readonly number[]).includes(value)) {
    problems.add(prop, `${value} days is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}.`);
  }
}
