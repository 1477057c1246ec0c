/** Facts about the machine a run happened on, printed and stored with every result. */
import { cpus, loadavg, platform, release, totalmem } from 'node:os';

export interface MachineFacts {
  date: string;
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  os: string;
  loadAverage: number[];
}

export function machineFacts(): MachineFacts {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    cores: c.length,
    cpu: c[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${platform()} ${release()}`,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function describeMachine(m: MachineFacts): string {
  return `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}, load ${m.loadAverage.join(' ')}`;
}
