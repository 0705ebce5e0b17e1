import type { Lock, RandomStream, Time } from "../../engine/index.js";
import type { Cpu, Step } from "../../model/cpu.js";
import type { Machine } from "../../model/machine.js";
import type { EventCause } from "../event-cause.js";
import type { ResetStateMachine } from "../reset-state-machine.js";
import type { ServiceTask } from "../service-task.js";
import type { HnsRoce } from "./hns-roce.js";
import type { AeOps, Hns3Enet } from "./hns3-enet.js";
import type { Hns3Layout } from "./layout.js";
import type { Hns3Params, Hns3Timing } from "./params.js";

/** What an hnae3 ae_dev (hclge for a PF, hclgevf for a VF) is built from. */
export interface AeContext {
  readonly m: Machine;
  readonly layout: Hns3Layout;
  readonly p: Hns3Params;
  readonly t: Hns3Timing;
  readonly nic: Hns3Enet;
  readonly roce: HnsRoce;
  /** rtnl_lock / reset_sem: driver actions and the reset task run one at a time. */
  readonly lock: Lock;
  readonly rng: RandomStream;
  readonly cpu: Cpu;
}

/**
 * The ae_dev of one function as the HNS3 driver facade drives it: probe and removal, the misc
 * vector with its cause register, the periodic service task, the reset state machine and the
 * PCI reset hooks an FLR calls (hns3_reset_prepare / hns3_reset_done).
 */
export interface AeDev extends AeOps {
  readonly cause: EventCause;
  readonly reset: ResetStateMachine;
  readonly service: ServiceTask;
  /** Probed and not removed. */
  readonly loaded: boolean;
  /** What the driver believes of the link (hw.mac.link). */
  readonly linkUp: boolean;
  /** Why the port cannot come back without outside help (a failed FLR rebuild, ...), or null. */
  readonly deadReason: string | null;
  /** Resets the driver started itself (TX timeout, reset interrupt), run to their end. */
  readonly portResets: number;
  /** Probe (hclge_init_ae_dev / hclgevf_init_hdev): 0 or an error. */
  init(): Step<number>;
  /** Removal (hclge_uninit_ae_dev / hclgevf_uninit_hdev). */
  uninit(): Step;
  /** hns3_reset_prepare -> ..._reset_prepare_general(HNAE3_FLR_RESET). */
  flrPrepare(): Step;
  /** hns3_reset_done -> ..._reset_done. */
  flrDone(): Step;
  /** The function was reset under the driver (its registers are back to reset values). */
  deviceReset(): void;
  /** The driver's state is gone (QEMU reset the device; the guest will probe again). */
  forget(): void;
  /** A recovery the run ended in the middle of, or null. */
  pendingRecovery(now: Time): string | null;
}
