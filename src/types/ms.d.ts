// The `ms` package (the duration parser Temporal itself uses) ships its types, but its
// exports map hides them from Node16 module resolution; this states the part we call.
declare module 'ms' {
  type Unit = 'ms' | 's' | 'sec' | 'secs' | 'second' | 'seconds' | 'm' | 'min' | 'mins' | 'minute' | 'minutes' | 'h' | 'hour' | 'hours' | 'd' | 'day' | 'days';
  export type StringValue = `${number}` | `${number}${Unit}` | `${number} ${Unit}`;
  export default function ms(value: StringValue): number;
}
