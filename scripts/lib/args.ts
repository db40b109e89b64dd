// Command-line flags of the bench, eval, fault and load scripts.

/** The number after `name` on the command line (`--rate 1000`), or `dflt` when the flag is absent. */
export const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : dflt
}
