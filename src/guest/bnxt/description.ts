import type { DriverDescription } from "../driver.js";
import { BnxtDriver } from "./driver.js";
import { bnxtLayout } from "./layout.js";
import { type BnxtParams, BnxtParamsSchema, bnxtTiming } from "./params.js";

export const BnxtDriverSchema = BnxtParamsSchema;
export type BnxtDriverParams = BnxtParams;

/** Broadcom NetXtreme-C/E (bnxt_en) with bnxt_re on one function, mainline since ~v6.10. */
export const bnxtDescription: DriverDescription<BnxtParams> = {
  name: "bnxt",
  summary:
    "Broadcom NetXtreme-C/E (bnxt_en) and its RoCE auxiliary driver bnxt_re on one function (mainline >= ~v6.10: RoCE vectors at the bottom)",
  sources: [
    "probe allocates MSI-X for RoCE + L2 rings and requests nothing (bnxt_init_one -> bnxt_init_int_mode); R = min(64, CPUs + 1) RoCE vectors (bnxt_set_dflt_ulp_msix)",
    "RoCE entries 0..R-1 (bnxt_fill_msix_vecs: ent[i] = irq_tbl[i]); L2 ring i at R + i (bnxt_alloc_cp_rings: map_idx = ulp_msix + i); older kernels put RoCE after the L2 rings (bnxt_req_msix_vecs)",
    "ifup requests the L2 interrupts in ring order before the rings exist (__bnxt_open_nic -> bnxt_request_irq, then bnxt_init_nic, bnxt_enable_int)",
    "bnxt_re: CREQ on entry 0 (bnxt_qplib_enable_rcfw_channel), RCFW commands, then NQs 1..R-1 ascending (bnxt_re_init_res -> bnxt_qplib_enable_nq), then more commands (bnxt_re_dev_init)",
    "RCFW commands wait rcfw->max_timeout (40 s, RCFW_FW_STALL_MAX_TIMEOUT), then poll the CREQ (__wait_for_resp -> bnxt_qplib_service_creq); -ENODEV only on a firmware stall (bnxt_re_is_fw_stalled)",
    "HWRM firmware commands are polled (__hwrm_send): no interrupt",
    "firmware async events (link, reset notify) ride L2 ring 0's completion ring (bnxt_hwrm_set_async_event_cr); the link is polled only at open (bnxt_get_port_module_status -> bnxt_update_link)",
    "TX watchdog 5 s (BNXT_TX_TIMEOUT) -> bnxt_tx_timeout -> bnxt_reset_task: bnxt_ulp_stop, close and open with irq_re_init, bnxt_ulp_start",
    "ethtool -L: close, bnxt_reserve_rings frees all MSI-X and allocates the range again (bnxt_ulp_irq_stop, bnxt_clear_int_mode, bnxt_init_int_mode, bnxt_ulp_irq_restart), or adds vectors at the end when the guest can (bnxt_change_msix)",
    "firmware reset frees MSI-X (bnxt_fw_reset_close -> bnxt_clear_int_mode) and opens L2 before RoCE (bnxt_fw_reset_task: bnxt_open, bnxt_ulp_start)",
  ],
  schema: BnxtParamsSchema,
  actions: [
    "load",
    "unload",
    "up",
    "down",
    "rdma-load",
    "rdma-unload",
    "channels",
    "reset",
    "qemu-reset",
    "link-up",
  ],
  layout(p) {
    const l = bnxtLayout(p);
    const l2 = l.l2Max.slice(0, l.l2Rings);
    return {
      numMsi: l.numMsi,
      groups: {
        creq: [l.creq],
        nq: l.nqs,
        roce: [l.creq, ...l.nqs],
        rdma: [l.creq, ...l.nqs],
        l2,
        nic: l2,
        async: [l.l2Base],
      },
    };
  },
  check(p) {
    bnxtTiming(p);
  },
  create: (m, p, load) => new BnxtDriver(m, p, load),
};
