import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { cacheRoot, ensureCached } from './cache.js';
import { classDataSharing } from './cds.js';
import { superviseJavaServer } from './java-server.js';
import { explainJavaMismatch, javaBinary, requireJava, runMaven } from './java.js';
import { freePorts, retryOnPortClash } from './ports.js';
import { runToLog, spawnServer, withContext } from './process.js';
import type { ServerHandle, StartOptions } from './types.js';

/** The broker version tests run against; see README.md for why this one. */
export const KAFKA_VERSION = '4.4.0';

const POM = join(dirname(fileURLToPath(import.meta.url)), 'kafka', 'pom.xml');

export interface KafkaHandle extends ServerHandle {
  readonly name: 'kafka';
  readonly brokers: string[];
}

export interface KafkaOptions extends StartOptions {
  version?: string;
  heap?: string;
  /** Extra JVM flags, after ours (HotSpot lets the last one win), e.g. ['-XX:+UseG1GC']. */
  jvmOptions?: string[];
}

/** Resolves kafka_2.13 and its runtime jars into the cache through Maven. */
export async function prepareKafka(version: string): Promise<{ libs: string; hit: boolean }> {
  const dir = join(cacheRoot(), 'kafka', version);
  const { hit } = await ensureCached(dir, async (tmp) => {
    await withContext(
      `kafka ${version}: could not resolve the broker's jars`,
      runMaven(
        [
          '-f',
          POM,
          'dependency:copy-dependencies',
          `-Dkafka.version=${version}`,
          '-DincludeScope=runtime',
          `-DoutputDirectory=${join(tmp, 'libs')}`,
        ],
        tmp,
      ),
    );
  });
  return { libs: join(dir, 'libs'), hit };
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding, as Kafka's Uuid prints.
 * One in 64 would start with '-', which StorageTool's argument parser takes for an option
 * ("--cluster-id: expected one argument"), so those are drawn again, as Kafka's own do.
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** server.properties for one node that is both broker and its own controller quorum. */
export function kraftProperties(opts: {
  brokerPort: number;
  controllerPort: number;
  dataDir: string;
}): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${opts.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${opts.brokerPort},CONTROLLER://127.0.0.1:${opts.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${opts.brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${opts.dataDir}`,
    // One node: every internal topic must fit on it.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Tests join groups one after another; the default 3 s wait only slows them.
    'group.initial.rebalance.delay.ms=0',
    'num.partitions=1',
    'auto.create.topics.enable=true',
    // A shared 2-core machine: fewer threads than the production defaults.
    'num.network.threads=2',
    'num.io.threads=2',
    'background.threads=2',
    'log.cleaner.enable=false',
    '',
  ].join('\n');
}

/** log4j2 to stdout, which spawnServer sends to the server's log file. */
export const KAFKA_LOG4J2 = [
  'status = warn',
  'appender.out.type = Console',
  'appender.out.name = STDOUT',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.out.ref = STDOUT',
  // Per-partition state changes drown the lines that explain a failure.
  'logger.state.name = state.change.logger',
  'logger.state.level = WARN',
  '',
].join('\n');

function jvmArgs(heap: string, workDir: string): string[] {
  return [
    `-Xmx${heap}`,
    '-Xms128m',
    // Start-up speed over peak throughput: on a loaded 2-core machine C1-only and the
    // serial collector bring the broker up in about half the time of the defaults.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(workDir, 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${join(workDir, 'logs')}`,
  ];
}

/** The version AppInfoParser logs at start ("Kafka version: 4.4.0"). */
export function parseKafkaVersion(log: string): string | undefined {
  return /Kafka version: (\S+)/.exec(log)?.[1];
}

async function brokerAnswers(address: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'opaqueflow-infra-probe',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    // Only an unfenced broker is listed: before that, topic creation would still fail.
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } finally {
    await admin.disconnect();
  }
}

/** Starts a single-node KRaft Kafka on free ports in a fresh temp dir. */
export function startKafka(options: KafkaOptions = {}): Promise<KafkaHandle> {
  return retryOnPortClash(() => startKafkaOnce(options));
}

async function startKafkaOnce(options: KafkaOptions): Promise<KafkaHandle> {
  const version = options.version ?? process.env.OPAQUEFLOW_KAFKA_VERSION ?? KAFKA_VERSION;
  await requireJava(17);
  const prepStart = Date.now();
  const { libs, hit } = await prepareKafka(version);
  const prepareMs = hit ? 0 : Date.now() - prepStart;

  const workDir = await mkdtemp(join(tmpdir(), 'opaqueflow-kafka-'));
  const dataDir = join(workDir, 'data');
  const logFile = join(workDir, 'server.log');
  await mkdir(join(workDir, 'logs'));
  const [brokerPort = 0, controllerPort = 0] = await freePorts(2);
  const config = join(workDir, 'server.properties');
  await writeFile(config, kraftProperties({ brokerPort, controllerPort, dataDir }));
  await writeFile(join(workDir, 'log4j2.properties'), KAFKA_LOG4J2);
  const classpath = join(libs, '*');
  const heap = options.heap ?? '512m';

  const started = Date.now();
  try {
    await runToLog(
      'kafka storage format',
      javaBinary(),
      [
        ...jvmArgs('256m', workDir),
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '--config',
        config,
        '--cluster-id',
        randomClusterId(),
      ],
      { cwd: workDir, logFile, timeoutMs: 120_000 },
    );
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw explainJavaMismatch(error);
  }
  const cds = await classDataSharing(dirname(libs), 'kafka-broker');
  const proc = spawnServer(
    `kafka ${version}`,
    javaBinary(),
    [
      ...jvmArgs(heap, workDir),
      ...cds.flags,
      ...(options.jvmOptions ?? []),
      '-cp',
      classpath,
      'kafka.Kafka',
      config,
    ],
    { cwd: workDir, logFile, workDir },
  );
  const address = `127.0.0.1:${brokerPort}`;
  const stop = await superviseJavaServer({
    proc,
    cds,
    workDir,
    stopGraceMs: 30_000,
    probe: () => brokerAnswers(address),
    pollMs: 500,
    options,
  });
  const startupMs = Date.now() - started;
  return {
    name: 'kafka',
    address,
    brokers: [address],
    // What the broker says it is, in case the jars Maven resolved are not what was asked for.
    version: parseKafkaVersion(await readFile(logFile, 'utf8')) ?? version,
    port: brokerPort,
    external: false,
    prepareMs,
    startupMs,
    cacheHit: hit,
    logFile,
    stop,
  };
}
