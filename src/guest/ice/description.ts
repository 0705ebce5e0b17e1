import type { z } from "zod";
import type { DriverDescription } from "../driver.js";
import { IceDriver } from "./driver.js";
import { iceLayout } from "./layout.js";
import { IceParamsSchema, iceTiming } from "./params.js";

export const IceDriverSchema = IceParamsSchema;
export type IceDriverParams = z.output<typeof IceDriverSchema>;

/** Intel E810 (ice) with irdma on its auxiliary device, mainline (docs/source-notes-ice.md). */
export const iceDescription: DriverDescription<IceDriverParams> = {
  name: "ice",
  summary: "Intel E810 PF: ice with irdma (auxiliary RDMA driver) on one function, mainline",
  sources: [
    "MSI-X: pci_alloc_irq_vectors(2, msix.max = 1 + cpus + FDIR 2 + RDMA cpus + 1) (ice_init_interrupt_scheme, ice_get_default_msix_amount); every user takes the lowest free tracker entry (ice_get_irq_res)",
    "vector 0 = OICR, requested at probe (ice_init_dev -> ice_req_irq_msix_misc): admin receive queue, mailbox, sideband, GRST reset warnings (ice_ena_ctrlq_interrupts, ice_misc_intr)",
    "ARQ events (link status) are read only after an OICR interrupt: ice_misc_intr sets ICE_ADMINQ_EVENT_PENDING, ice_service_task -> ice_clean_adminq_subtask -> __ice_clean_ctrlq; the admin send queue is polled (ice_sq_send_cmd)",
    "LAN q_vectors allocated at probe (ice_vsi_alloc_q_vectors), requested at ifup in ascending order (ice_open_internal -> ice_vsi_open -> ice_vsi_req_irq_msix), freed at ifdown (ice_vsi_close -> ice_vsi_free_irq)",
    "Flow Director vector allocated and requested at probe, before RDMA (ice_load -> ice_init_features -> ice_init_fdir; d67627e7b532 'ice: init flow director before RDMA')",
    "irdma: cpus + 1 tracker entries at probe (icrdma_init_interrupts -> ice_alloc_rdma_qvector); request order CEQ 0, CEQ 1.. (irdma_setup_ceq_0, irdma_setup_ceqs -> irdma_cfg_ceq_vector), AEQ last (irdma_setup_aeq -> irdma_cfg_aeq_vector)",
    "irdma control QP completions on CEQ 0, also polled every CQP_COMPL_WAIT_TIME_MS (10 ms) by the waiter; -ETIMEDOUT after CQP_TIMEOUT_THRESHOLD (500) idle polls (irdma_wait_event)",
    "service task every HZ (pf->serv_tmr_period, ice_service_timer); TX hang check re-fires a stalled TX queue's vector (ice_check_for_hang_subtask -> ice_trigger_sw_intr)",
    "TX watchdog 5 s (no watchdog_timeo set: __netdev_watchdog_up); ice_tx_timeout escalates PFR -> CORER -> GLOBR -> unrecoverable, back to PFR after 20 s",
    "PFR rebuilt at once, CORER/GLOBR only after the GRST warning on the OICR (ice_do_reset, ice_misc_intr, ice_reset_subtask); ice_prepare_for_reset unplugs irdma and closes the VSIs; ice_rebuild reopens them and re-plugs irdma; MSI-X is never re-allocated",
    "ethtool -L: -EBUSY while irdma is bound (ice_set_channels, a49a2713f00e); else ice_vsi_recfg_qs: close, q_vectors re-allocated lowest free first, reopen",
    "FLR: ice_pci_err_reset_prepare (ice_prepare_for_reset) and ice_pci_err_reset_done -> ice_pci_err_resume -> ice_do_reset(PFR)",
  ],
  schema: IceDriverSchema,
  actions: [
    "load",
    "unload",
    "up",
    "down",
    "rdma-load",
    "rdma-unload",
    "channels",
    "reset",
    "guest-flr",
    "qemu-reset",
    "link-up",
  ],
  layout(p) {
    const l = iceLayout(p);
    const rdma = l.irdma.requestOrder;
    return {
      numMsi: l.numMsi,
      groups: {
        misc: [l.misc],
        oicr: [l.misc],
        tqp: l.lan,
        lan: l.lan,
        nic: [l.misc, ...l.lan],
        ...(l.fdir === null ? {} : { fdir: [l.fdir] }),
        rdma,
        roce: rdma,
        aeq: [l.irdma.aeq],
        ceq: l.irdma.ceqs,
      },
    };
  },
  check(p) {
    iceTiming(p);
  },
  create: (m, p, load) => new IceDriver(m, p, load),
};
