// Command lines for the tests of the operator commands.

/** `--name value` for each option, in order; `true` gives the bare flag `--name`. */
export function options(values: Record<string, string | true>): string[] {
  return Object.entries(values).flatMap(([name, value]) => (value === true ? [`--${name}`] : [`--${name}`, value]));
}
