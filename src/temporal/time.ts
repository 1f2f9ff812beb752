// Conversions between protobuf times (as Temporal's API returns them) and JavaScript ones,
// so no code reaches into the SDK's private modules for them.
import Long from 'long';
import ms, { type StringValue } from 'ms';

/** A protobuf Timestamp or Duration: seconds (a number or a Long) and nanoseconds. */
export interface ProtoTime {
  seconds?: number | { toString(): string } | null;
  nanos?: number | null;
}

/** Milliseconds of a Temporal duration string ('10 seconds', '2 minutes'). */
export function durationMs(duration: string): number {
  return ms(duration as StringValue);
}

/** A protobuf Duration (or Timestamp since the epoch) of `milliseconds`. */
export function protoDuration(milliseconds: number): { seconds: Long; nanos: number } {
  return { seconds: Long.fromNumber(Math.floor(milliseconds / 1000)), nanos: (milliseconds % 1000) * 1_000_000 };
}

/** The Date of a protobuf Timestamp; null when there is none. */
export function timestampDate(timestamp: ProtoTime | null | undefined): Date | null {
  if (!timestamp || timestamp.seconds === null || timestamp.seconds === undefined) return null;
  return new Date(Number(String(timestamp.seconds)) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000));
}
