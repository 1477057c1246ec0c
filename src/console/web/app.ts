/** The console's front end: a hash router over a few pages, and the live feed they share. */
const nav = document.getElementById('nav')!;
const main = document.getElementById('main')!;

interface Info {
  node: string;
  cluster: boolean;
  apps: { id: string; key: string; enabled: boolean }[];
}

async function start(): Promise<void> {
  const res = await fetch('/api/info');
  if (res.status === 401) {
    location.href = '/login';
    return;
  }
  const info = (await res.json()) as Info;
  nav.textContent = '';
  main.textContent = `Node ${info.node}: ${info.apps.length} app(s).`;
}

void start();
