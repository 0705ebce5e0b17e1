import { z } from "zod";
import type { DriverDescription } from "../driver.js";
import { Hns3Driver } from "./driver.js";
import { hns3Layout } from "./layout.js";
import { Hns3ParamsSchema, hns3Timing } from "./params.js";

export const Hns3DriverSchema = Hns3ParamsSchema.extend({
  name: z.literal("hns3").default("hns3").describe("the driver design"),
});
export type Hns3DriverParams = z.output<typeof Hns3DriverSchema>;

/** HiSilicon HNS3 (hns3 + hclge/hclgevf) with hns_roce_hw_v2 sharing the function. */
export const hns3Description: DriverDescription<Hns3DriverParams> = {
  name: "hns3",
  summary: "HiSilicon HNS3 (hns3 + hclge/hclgevf) and hns_roce_hw_v2 on one function (HIP08/HIP09)",
  sources: [
    "vector 0 = misc (hclge_get_misc_vector), TQP vectors 1..n unmasked at ifup (hns3_nic_net_up -> hns3_vector_enable)",
    "RoCE from num_nic_msi on a PF (hclge_init_roce_base_info), from 64 on a VF (hclgevf_query_vf_resource); abnormal, CEQs, AEQ last (__hns_roce_request_irq)",
    "queue vectors re-enabled only by the NAPI poll (hns3_nic_common_poll -> hns3_mask_vector_irq)",
    "TX watchdog 5 s (HNS3_TX_TIMEOUT) -> hns3_nic_net_timeout -> reset_event",
    "PF link polled each second (hclge_periodic_service_task); VF link and resets through PF mailbox messages on the misc vector (hclgevf_mbx_handler)",
    "resets retried 5 times, then HCLGE_STATE_RST_FAIL (hclge_reset_err_handle); FLR rebuild not retried (hclge_reset_done)",
    "VF frees and re-allocates MSI-X on FLR (hclgevf_pci_reset, 09e6b30eeb25)",
    "RoCE mailbox completions on the AEQ, 10 s timeout (hns_roce_cmd_mbox_wait)",
    "ethtool -L: DOWN, UNINIT, set_channels, INIT, UP, the new vectors enabled ascending (hns3_set_channels)",
  ],
  schema: Hns3DriverSchema,
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
    const l = hns3Layout(p);
    return {
      numMsi: l.numMsi,
      groups: {
        misc: [l.misc],
        tqp: l.tqp,
        nic: [l.misc, ...l.tqp],
        roce: [l.abnormal, l.aeq, ...l.ceqs],
        rdma: [l.abnormal, l.aeq, ...l.ceqs],
        aeq: [l.aeq],
        ceq: l.ceqs,
        abnormal: [l.abnormal],
      },
    };
  },
  check(p) {
    hns3Timing(p);
  },
  create: (m, p, load) => new Hns3Driver(m, p, load, p.miscEventRate),
};
