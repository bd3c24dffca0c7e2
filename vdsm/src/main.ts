import { parseDaemonArgs } from './common/daemon-args.js';
import { Logging } from './common/logging.js';

/** vdsmd's wiring: configuration, logging, then the services and servers. Nothing else lives here. */
export async function main(argv: readonly string[]): Promise<void> {
  const { config, configFile } = await parseDaemonArgs('vdsmd', argv);
  const logging = new Logging({ name: 'vdsmd', level: config.logging.level, file: config.logging.file });
  logging.get('main').info({ configFile }, 'vdsmd starting');
}
