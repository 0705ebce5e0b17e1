import type { RandomStream } from "../../engine/index.js";
import type { Cpu, Step } from "../../model/cpu.js";
import type { Machine } from "../../model/machine.js";
import { Mailbox } from "../mailbox.js";
import type { Hns3Layout } from "./layout.js";
import type { Hns3Params, Hns3Timing } from "./params.js";

/**
 * The hns_roce_hw_v2 client as far as interrupts go. hns_roce_init creates the event queues by
 * polled mailbox, requests their interrupts (__hns_roce_request_irq: abnormal, every CEQ, the
 * AEQ last; each request_irq unmasks its MSI-X entry), switches the command interface to event
 * mode (hns_roce_cmd_use_events) and then issues mailbox commands whose completions arrive as AEQ
 * entries (hns_roce_v2_aeq_int -> hns_roce_cmd_event), each waited for with
 * HNS_ROCE_CMD_TIMEOUT_MSECS. The AEQ is always armed (HNS_ROCE_V2_EQ_ALWAYS_ARMED), so a later
 * AEQ interrupt drains an entry whose interrupt was lost; a lost completion with nothing after
 * it times out (-EBUSY). A timeout inside ib_register_device's clients leaves the port unusable
 * although init reports success, so any timeout marks RoCE failed.
 */
export class HnsRoce {
  readonly mailbox: Mailbox;
  /** The client is registered with hnae3 (modprobe hns_roce_hw_v2): resets re-init it. */
  loaded = false;
  /** The interrupts are requested (between init and uninit). */
  registered = false;
  /** Init finished without a mailbox timeout. */
  up = false;
  /** The last init timed out on a mailbox command. */
  failed = false;
  /** An init is under way. */
  initializing = false;
  constructor(
    private readonly m: Machine,
    private readonly layout: Hns3Layout,
    private readonly p: Hns3Params,
    private readonly t: Hns3Timing,
    private readonly rng: RandomStream,
    private readonly cpu: Cpu,
  ) {
    this.mailbox = new Mailbox(
      m.sim,
      "roce-mbox",
      () => m.device.raise(layout.aeq), // the firmware writes an AEQ entry: the AEQ fires
      t.mailboxResponse,
      m.sim.streams.get("guest/roce-mbox"),
      cpu,
    );
    m.acct.bus.onDelivered(layout.aeq, () => {
      if (this.registered) this.mailbox.receive(); // hns_roce_v2_msix_interrupt_eq
    });
  }

  /** RoCE INIT (hns_roce_hw_v2_init_instance / reset_notify_init): 0 or -EBUSY. */
  *init(): Step<number> {
    if (this.registered) return 0;
    this.initializing = true;
    if (this.cpu.on)
      this.cpu.log("hns_roce_init", {
        base_vector: this.layout.roceBase,
        vectors: this.p.roceVectors,
      });
    const d = this.t.roceInitDelay.sample(this.rng);
    if (d > 0) yield d; // cmq, capability queries, EQs created by polled mailbox
    yield this.m.guest.unmask(this.layout.roceRequestOrder); // __hns_roce_request_irq
    this.registered = true;
    for (let i = 0; i < this.p.roceMailboxes; i++) {
      const ok: boolean = yield this.mailbox.request(`cmd-${i}`, this.p.roceMailboxTimeout);
      if (!ok) {
        this.failed = true;
        this.up = false;
        this.initializing = false;
        if (this.cpu.on) this.cpu.log("RoCE reinit failed", { mailbox: i, err: "-EBUSY" });
        return -16;
      }
    }
    this.failed = false;
    this.up = true;
    this.initializing = false;
    return 0;
  }

  /** RoCE UNINIT: the EQ interrupts are freed (free_irq masks the entries). */
  *uninit(delay = 0): Step {
    if (!this.registered) return;
    if (delay > 0) yield delay; // HNS_ROCE_V2_HW_RST_UNINT_DELAY in the reset path
    yield this.m.guest.mask(this.layout.roceRequestOrder);
    this.registered = false;
    this.up = false;
  }

  /** A driver reload or device reset: the mailbox queue is gone. */
  forget(): void {
    this.loaded = false;
    this.initializing = false;
    this.registered = false;
    this.up = false;
    this.mailbox.flush();
  }
}
