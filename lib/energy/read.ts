/** Reading signal files: for apps and the CLI (the edge), never for constructs or the planner. */
import * as fs from 'node:fs';
import { parseSignals, type CsvSignalOptions, type Signals } from './signals';

/** Reads and parses a signal file (`.csv` or JSON); errors name the file. */
export function readSignalsFile(file: string, csv: CsvSignalOptions = {}): Signals {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return parseSignals(file, text, csv);
  } catch (e) {
    if (e instanceof Error) e.message = `${file}: ${e.message}`;
    throw e;
  }
}
