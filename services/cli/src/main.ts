const [command = 'help'] = process.argv.slice(2);

const plan = `opaqueflow — encrypted-looking flows with no recognisable key exchange (AN0404)

The embedded pipeline (ingest → features → scorer → query in one process) is being built.
Planned stages:
  ingest    pcap/pcapng/IPFIX files, NetFlow v5/v9, IPFIX, sFlow  → FlowRecord
  features  entropy, randomness, handshake recognition, port class  → FlowFeatures
  scorer    per-port baselines, exceptions, explainable scores      → Detection
  query     REST for SIEMs (/v1/detections, OCSF, ECS)
`;

switch (command) {
  case 'start':
  case 'help':
    console.log(plan);
    break;
  default:
    console.error(`opaqueflow: unknown command "${command}" (try: start, analyze)`);
    process.exitCode = 2;
}
