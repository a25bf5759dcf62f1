// In-memory stand-ins for the transport interfaces, for unit tests of the code above them.
// Kafka itself is exercised in test/integration against a real broker.
import type {
  ConsumerRunOptions,
  MessageConsumer,
  MessageProducer,
  OutgoingMessage,
} from '../src/index.js';

export class FakeProducer implements MessageProducer {
  readonly sent: { topic: string; messages: readonly OutgoingMessage[] }[] = [];
  failWith: Error | null = null;
  connect = () => Promise.resolve();
  disconnect = () => Promise.resolve();
  isConnected = () => true;
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.sent.push({ topic, messages });
    return Promise.resolve();
  }
}

export class FakeConsumer implements MessageConsumer {
  options: ConsumerRunOptions | null = null;
  connect = () => Promise.resolve();
  stop = () => Promise.resolve();
  disconnect = () => Promise.resolve();
  isConnected = () => true;
  onCrash = () => undefined;
  onGroupJoin = () => undefined;
  run(options: ConsumerRunOptions): Promise<void> {
    this.options = options;
    return Promise.resolve();
  }
}
