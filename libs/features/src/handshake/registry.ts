// Which recognisers run on which transport, in order of preference on equal confidence:
// key exchanges before plaintext, specific shapes before loose ones.
import type { Transport } from '@opaqueflow/flow-model';
import type { Recogniser } from './result.js';
import { recogniseTlsStream } from './tls.js';

export interface RegisteredRecogniser {
  readonly name: string;
  readonly transports: readonly Transport[];
  readonly run: Recogniser;
}

export const RECOGNISERS: readonly RegisteredRecogniser[] = [
  { name: 'tls', transports: ['tcp', 'other'], run: (b) => recogniseTlsStream(b) },
];
