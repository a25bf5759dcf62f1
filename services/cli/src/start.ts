/** `opaqueflow start`: placeholder until the embedded runner wires the flow-export listeners. */
export function start(_argv: readonly string[]): number {
  process.stdout.write(
    'opaqueflow start: the embedded runner lands with the services; use `opaqueflow analyze <file…>` meanwhile\n',
  );
  return 0;
}
