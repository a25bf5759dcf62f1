// Flows with nothing to judge: TCP connections opened and closed without a payload byte, as
// health checks and port probes make. The detector should say "insufficient".
import { scriptedTcp } from '../scripted.js';
import type { FlowClass } from './types.js';

export const emptyClasses: readonly FlowClass[] = [
  {
    name: 'tcp-connect-only',
    label: 'insufficient',
    transport: 'tcp',
    ports: [443, 8443, 22, 3389, 31337],
    ipv6: true,
    reproducible: true,
    description: 'TCP handshake and FIN teardown with no payload (health check, port probe)',
    make: async () => ({ transcript: await scriptedTcp([]), detail: 'no payload' }),
  },
];
