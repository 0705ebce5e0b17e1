import type { Step } from "../../model/cpu.js";
import type { Mlx5Context, Mlx5Core } from "./mlx5-core.js";

/**
 * mlx5_ib (drivers/infiniband/hw/mlx5) and the first kernel RDMA user of its device, as far as
 * vectors go. mlx5_ib owns no MSI-X vector: its CQs use mlx5_core's completion EQs
 * (mlx5_ib_create_cq -> mlx5_comp_eqn_get(dev->mdev, vector)), and num_comp_vectors is
 * mlx5_core's count. Its probe (__mlx5_ib_add) is commands on the control vector plus CQs on
 * completion vector 0 (ib_mad's and its own), whose EQ exists once the netdev is attached: so
 * loading mlx5_ib unmasks nothing new.
 *
 * New vectors come from the CQs its users create. A kernel ULP on the shared CQ pool
 * (ib_cq_pool_get -> ib_alloc_cqs: nr_cqs = min(num_comp_vectors, num_online_cpus) CQs on
 * vectors 0, 1, ... in order; nvme-rdma, nvmet-rdma) creates a CQ on every completion vector at
 * its first connection: each vector above the highest one used so far gets its EQ, and its
 * entry unmasked, right then, while the netdev's channels carry traffic. `rdmaCqVectors` is
 * how many vectors that user's CQs span (0: none).
 */
export class Mlx5Ib {
  /** modprobe mlx5_ib: bound to the auxiliary device (re-probed after a reload). */
  loaded = false;
  /** The IB device is registered (probe done). */
  registered = false;
  /** Probe and the user's CQs done without a failed command. */
  ok = false;
  failed = false;
  /** Probe or CQ creation under way. */
  busy = false;
  /** CQs the user has on vectors 0 .. cqVectors-1. */
  cqVectors = 0;

  constructor(
    private readonly c: Mlx5Context,
    private readonly core: Mlx5Core,
  ) {}

  /**
   * The auxiliary device's probe (mlx5r_probe -> __mlx5_ib_add), then the ULP's CQ pool after
   * its delay. 0 or an error.
   */
  *probe(): Step<number> {
    const { p, t, cpu, rng } = this.c;
    if (!this.core.loaded) return 0;
    this.busy = true;
    this.ok = false;
    try {
      if (cpu.on) cpu.log("__mlx5_ib_add", { commands: p.rdmaCommands });
      let r = 0;
      for (let i = 0; i < p.rdmaCommands && r === 0; i++) r = yield this.core.cmd.exec(`ib-${i}`);
      // ib_mad's and mlx5_ib's own CQs: completion vector 0.
      if (r === 0) r = yield this.createCq(0);
      if (r !== 0) return this.fail(r);
      this.registered = true;
      const want = this.c.layout.rdmaCqVectors;
      if (want > 0) {
        const d = t.rdmaCqDelay.sample(rng);
        if (d > 0) yield d;
        if (cpu.on) cpu.log("ib_alloc_cqs", { nr_cqs: want });
        for (let v = 0; v < want && this.registered; v++) {
          r = yield this.createCq(v);
          if (r !== 0) return this.fail(r);
          this.cqVectors = v + 1;
        }
      }
      this.ok = this.registered;
      this.failed = false;
      return 0;
    } finally {
      this.busy = false;
    }
  }

  /** Removal: the user's CQs and the IB device's resources destroyed; no vector is freed. */
  *remove(): Step {
    if (!this.registered) return;
    for (let v = 0; v < this.cqVectors; v++) yield this.core.cmd.exec(`DESTROY_CQ ${v}`);
    for (let i = 0; i < Math.ceil(this.c.p.rdmaCommands / 2); i++)
      yield this.core.cmd.exec(`ib-remove-${i}`);
    this.registered = false;
    this.ok = false;
    this.cqVectors = 0;
  }

  /** QEMU reset the device: nothing is left. */
  forget(): void {
    this.loaded = false;
    this.registered = false;
    this.ok = false;
    this.busy = false;
    this.cqVectors = 0;
  }

  /** mlx5_ib_create_cq: the vector's EQ (created on first use), then CREATE_CQ. */
  private *createCq(vector: number): Step<number> {
    const r: number = yield this.core.mlx5_comp_eqn_get(vector);
    if (r !== 0) return r;
    return yield this.core.cmd.exec(`CREATE_CQ rdma${vector}`);
  }

  private fail(r: number): number {
    this.failed = true;
    this.ok = false;
    if (this.c.cpu.on) this.c.cpu.log("mlx5_ib: command failed", { err: r });
    return r;
  }
}
