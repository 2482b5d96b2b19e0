import { expect } from 'chai';
import { SimulationGate } from '../../node/ledger/embedded/gate.js';

/** A simulation as the runtime runs one: enter, a few awaits (the chaincode's stub calls), exit. */
async function simulate(gate: SimulationGate, name: string, log: string[], steps = 3): Promise<void> {
  await gate.enter();
  try {
    log.push(`${name} in`);
    for (let i = 0; i < steps; i++) await Promise.resolve();
    log.push(`${name} out`);
  } finally {
    gate.exit();
  }
}

describe('embedded ledger simulation gate', () => {
  it('runs simulations one at a time, in arrival order, each to its end', async () => {
    const gate = new SimulationGate();
    const log: string[] = [];
    await Promise.all(['a', 'b', 'c'].map((n) => simulate(gate, n, log)));
    expect(log).to.deep.equal(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('keeps one read transaction while simulations follow each other and ends it when the gate is free', async () => {
    const log: string[] = [];
    const gate = new SimulationGate({ onEnter: () => log.push('begin'), onLeave: () => log.push('end') });
    await Promise.all(['a', 'b'].map((n) => simulate(gate, n, log)));
    await simulate(gate, 'c', log);
    expect(log).to.deep.equal(['begin', 'a in', 'a out', 'b in', 'b out', 'end', 'begin', 'c in', 'c out', 'end']);
  });

  it('runs an exclusive section after the simulation in progress and before those waiting, outside any snapshot', async () => {
    const log: string[] = [];
    const gate = new SimulationGate({ onEnter: () => log.push('begin'), onLeave: () => log.push('end') });
    const a = simulate(gate, 'a', log);
    const b = simulate(gate, 'b', log);
    const commit = gate.exclusive(() => log.push('commit'));
    const c = simulate(gate, 'c', log);
    await Promise.all([a, b, commit, c]);
    expect(log).to.deep.equal([
      'begin',
      'a in',
      'a out',
      'end',
      'commit',
      'begin',
      'b in',
      'b out',
      'c in',
      'c out',
      'end',
    ]);
  });

  it('frees the gate when a simulation fails or its snapshot cannot be opened', async () => {
    let refuse = true;
    const gate = new SimulationGate({
      onEnter: () => {
        if (refuse) throw new Error('database is locked');
      },
      onLeave: () => {},
    });
    let failed: unknown;
    await gate.enter().catch((err: unknown) => (failed = err));
    expect((failed as Error).message).to.equal('database is locked');
    refuse = false;
    const log: string[] = [];
    const broken = (async () => {
      await gate.enter();
      try {
        throw new Error('chaincode threw');
      } finally {
        gate.exit();
      }
    })();
    const next = simulate(gate, 'next', log);
    expect(await broken.catch((err: unknown) => (err as Error).message)).to.equal('chaincode threw');
    await next;
    expect(log).to.deep.equal(['next in', 'next out']);
    expect(await gate.exclusive(() => 'free')).to.equal('free');
  });
});
