// SPDX-License-Identifier: GPL-2.0
/*
 * Layouts of the driver VM's kernel structures that Xen's support code
 * touches (hv/xen/support_*.c): compiled by kbuild against the pinned
 * headers, like the e1000 instances, and turned into twin_offsets.h the
 * way the kernel makes asm-offsets.h.  Xen reads and writes these fields
 * in dom0's memory through SVM, so they must be dom0's own offsets.
 */
#include <linux/kbuild.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/dynamic_queue_limits.h>
#include <linux/device.h>
#include <linux/mm_types.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

void twin_offsets(void);

void twin_offsets(void)
{
	COMMENT("struct sk_buff");
	OFFSET(VM_SKB_HEAD, sk_buff, head);
	OFFSET(VM_SKB_DATA, sk_buff, data);
	OFFSET(VM_SKB_TAIL, sk_buff, tail);
	OFFSET(VM_SKB_END, sk_buff, end);
	OFFSET(VM_SKB_LEN, sk_buff, len);
	OFFSET(VM_SKB_DATA_LEN, sk_buff, data_len);
	OFFSET(VM_SKB_MAC_HEADER, sk_buff, mac_header);
	OFFSET(VM_SKB_DEV, sk_buff, dev);
	OFFSET(VM_SKB_PROTOCOL, sk_buff, protocol);
	DEFINE(VM_SKB_PKT_TYPE_OFFSET, PKT_TYPE_OFFSET);
	DEFINE(VM_SKB_PKT_TYPE_MAX, PKT_TYPE_MAX);
	DEFINE(VM_SKB_CLONED_OFFSET, CLONED_OFFSET);
	DEFINE(VM_SKB_CLONED_MASK, CLONED_MASK);
	DEFINE(VM_SKB_SIZEOF, sizeof(struct sk_buff));
	DEFINE(VM_SKB_VLAN_PRESENT_OFFSET, PKT_VLAN_PRESENT_OFFSET);
	DEFINE(VM_SKB_VLAN_PRESENT_BIT, PKT_VLAN_PRESENT_BIT);
	OFFSET(VM_SKB_NETWORK_HEADER, sk_buff, network_header);
	OFFSET(VM_SKB_TRANSPORT_HEADER, sk_buff, transport_header);
	OFFSET(VM_SKB_CSUM_START, sk_buff, csum_start);
	OFFSET(VM_SKB_CSUM_OFFSET, sk_buff, csum_offset);
	OFFSET(VM_SHINFO_DATAREF, skb_shared_info, dataref);
	OFFSET(VM_SHINFO_NR_FRAGS, skb_shared_info, nr_frags);
	OFFSET(VM_SHINFO_GSO_SIZE, skb_shared_info, gso_size);
	OFFSET(VM_SHINFO_GSO_SEGS, skb_shared_info, gso_segs);
	OFFSET(VM_SHINFO_GSO_TYPE, skb_shared_info, gso_type);
	OFFSET(VM_SHINFO_FRAGS, skb_shared_info, frags);
	OFFSET(VM_SHINFO_FRAG_LIST, skb_shared_info, frag_list);
	DEFINE(VM_SKB_FRAG_SIZEOF, sizeof(skb_frag_t));
	OFFSET(VM_SKB_FRAG_PAGE, bio_vec, bv_page);
	OFFSET(VM_SKB_FRAG_LEN, bio_vec, bv_len);
	OFFSET(VM_SKB_FRAG_OFFSET, bio_vec, bv_offset);
	DEFINE(VM_SKB_GSO_TCPV4, SKB_GSO_TCPV4);
	DEFINE(VM_SKB_GSO_TCPV6, SKB_GSO_TCPV6);
	DEFINE(VM_MAX_SKB_FRAGS, MAX_SKB_FRAGS);
	DEFINE(VM_SHINFO_SIZEOF, sizeof(struct skb_shared_info));
	DEFINE(VM_SKB_DATAREF_MASK_VAL, SKB_DATAREF_MASK);
	DEFINE(VM_SKB_DATA_ALIGN_MASK, SMP_CACHE_BYTES - 1);

	COMMENT("struct net_device");
	OFFSET(VM_NETDEV_DEV_ADDR, net_device, dev_addr);
	OFFSET(VM_NETDEV_BROADCAST, net_device, broadcast);
#if IS_ENABLED(CONFIG_NET_DSA)
	OFFSET(VM_NETDEV_DSA_PTR, net_device, dsa_ptr);
#else
	DEFINE(VM_NETDEV_DSA_PTR, -1);
#endif

	COMMENT("struct napi_struct");
	OFFSET(VM_NAPI_STATE, napi_struct, state);
	DEFINE(VM_NAPIF_SCHED, NAPIF_STATE_SCHED);
	DEFINE(VM_NAPIF_MISSED, NAPIF_STATE_MISSED);
	DEFINE(VM_NAPIF_DISABLE, NAPIF_STATE_DISABLE);
	DEFINE(VM_NAPIF_NPSVC, NAPIF_STATE_NPSVC);
	DEFINE(VM_NAPIF_PREFER_BUSY_POLL, NAPIF_STATE_PREFER_BUSY_POLL);
	DEFINE(VM_NAPIF_IN_BUSY_POLL, NAPIF_STATE_IN_BUSY_POLL);

	COMMENT("struct netdev_queue");
	OFFSET(VM_TXQ_STATE, netdev_queue, state);
	OFFSET(VM_TXQ_QDISC, netdev_queue, qdisc);
	DEFINE(VM_TXQ_DRV_XOFF_BIT, __QUEUE_STATE_DRV_XOFF);
	DEFINE(VM_TXQ_STACK_XOFF_BIT, __QUEUE_STATE_STACK_XOFF);

	COMMENT("struct dql");
	OFFSET(VM_DQL_NUM_QUEUED, dql, num_queued);
	OFFSET(VM_DQL_ADJ_LIMIT, dql, adj_limit);
	OFFSET(VM_DQL_LAST_OBJ_CNT, dql, last_obj_cnt);
	OFFSET(VM_DQL_LIMIT, dql, limit);
	OFFSET(VM_DQL_NUM_COMPLETED, dql, num_completed);
	OFFSET(VM_DQL_PREV_OVLIMIT, dql, prev_ovlimit);
	OFFSET(VM_DQL_PREV_NUM_QUEUED, dql, prev_num_queued);
	OFFSET(VM_DQL_PREV_LAST_OBJ_CNT, dql, prev_last_obj_cnt);
	OFFSET(VM_DQL_LOWEST_SLACK, dql, lowest_slack);
	OFFSET(VM_DQL_SLACK_START_TIME, dql, slack_start_time);
	OFFSET(VM_DQL_MAX_LIMIT, dql, max_limit);
	OFFSET(VM_DQL_MIN_LIMIT, dql, min_limit);
	OFFSET(VM_DQL_SLACK_HOLD_TIME, dql, slack_hold_time);

	COMMENT("struct device, struct device_driver");
	OFFSET(VM_DEVICE_DRIVER, device, driver);
	OFFSET(VM_DRIVER_NAME, device_driver, name);

	COMMENT("constants");
	DEFINE(VM_SIZEOF_STRUCT_PAGE, sizeof(struct page));
	DEFINE(VM_ETH_HLEN, ETH_HLEN);
	DEFINE(VM_ETH_P_802_3, ETH_P_802_3);
	DEFINE(VM_ETH_P_802_2, ETH_P_802_2);
	DEFINE(VM_ETH_P_XDSA, ETH_P_XDSA);
	DEFINE(VM_ETH_P_802_3_MIN, ETH_P_802_3_MIN);
	DEFINE(VM_PACKET_BROADCAST, PACKET_BROADCAST);
	DEFINE(VM_PACKET_MULTICAST, PACKET_MULTICAST);
	DEFINE(VM_PACKET_OTHERHOST, PACKET_OTHERHOST);
	DEFINE(VM_GRO_NORMAL, GRO_NORMAL);
}
