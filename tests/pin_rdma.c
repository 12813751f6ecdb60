// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow and a real RDMA client: rdma-core's ibv_rc_pingpong (Debian's
 * ibverbs-utils) over soft-RoCE, the kernel's rdma_rxe on a veth device.
 *
 * ibv_reg_mr() reaches rxe_reg_user_mr() -> ib_umem_get() (7.3:
 * ib_umem_get_attr_or_va() -> __ib_umem_get_va()), which pins the memory
 * region with pin_user_pages_fast(FOLL_LONGTERM) until the region is
 * deregistered.  The pingpong server registers its buffer, then waits
 * for its client: meanwhile every page of the region must show as pinned,
 * long-term, by the server, with a stack that names ib_umem_get.  Once both
 * ends are done, nothing is pinned and the ledgers equal vmstat.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "ps_check.h"
#include "ps_client.h"

#define NETDEV		"psrxe0"
#define IBDEV		"psrxe"
#define ADDR		"10.77.0.1"
/* The IPv4-mapped GID of ADDR, as sysfs prints it. */
#define ADDR_GID	"0000:0000:0000:0000:0000:ffff:0a4d:0001"
#define PORT		"18600"
#define MR_BYTES	65536
#define MR_PAGES	(MR_BYTES / PS_PAGE_SIZE)
#define ITERS		"20"
#define LOG		"/tmp/pin_rdma.log"
#define IB_PORT_DIR	"/sys/class/infiniband/" IBDEV "/ports/1"
/* Registration and a TCG-slow pingpong; deregistration is synchronous. */
#define SETUP_MS	60000
#define RUN_MS		120000
#define RELEASE_WAIT_MS	10000

FIXTURE(rdma) {
	struct ps_env env;
	bool netdev_made;
	bool ibdev_made;
	char gid[8];
	pid_t server;
};

static int sh(const char *cmd)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };

	return ps_run(argv, LOG, 30000);
}

/* The GID index of ADDR on IBDEV's port; false if it has none (yet). */
static bool find_gid(char *idx, size_t len)
{
	char path[128], *buf;
	bool found;
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), IB_PORT_DIR "/gids/%d", i);
		if (ps_read_file(path, &buf, NULL))
			return false;
		found = !strncmp(buf, ADDR_GID, strlen(ADDR_GID));
		free(buf);
		if (found) {
			snprintf(idx, len, "%d", i);
			return true;
		}
	}
	return false;
}

FIXTURE_SETUP(rdma)
{
	char cmd[256], peer[IF_NAMESIZE], tail[512];
	int64_t end, iflink;
	int rc;

	self->server = -1;
	ps_fixture_setup(_metadata, &self->env);
	if (!ps_have_prog("ibv_rc_pingpong") || !ps_have_prog("rdma"))
		SKIP(return, "no ibv_rc_pingpong or rdma in the guest (VM_OVERLAY)");
	if (access("/sys/module/rdma_rxe", F_OK) ||
	    access("/sys/module/veth", F_OK))
		SKIP(return, "rdma_rxe or veth not loaded: not in this kernel's modules (VM_EXTRA_MODULES)");
	unlink(LOG);

	/* busybox ip names the veth peer itself: find it by its ifindex. */
	rc = sh("ip link set lo up && ip link add " NETDEV " type veth");
	ps_log_tail(LOG, tail, sizeof(tail));
	ASSERT_EQ(0, rc) TH_LOG("creating " NETDEV ": %s", tail);
	self->netdev_made = true;
	ASSERT_EQ(0, ps_read_s64("/sys/class/net/" NETDEV "/iflink", &iflink));
	ASSERT_TRUE(if_indextoname(iflink, peer) != NULL);
	snprintf(cmd, sizeof(cmd),
		 "ip addr add " ADDR "/24 dev " NETDEV " && ip link set %s up && ip link set " NETDEV " up",
		 peer);
	rc = sh(cmd);
	ps_log_tail(LOG, tail, sizeof(tail));
	ASSERT_EQ(0, rc) TH_LOG("configuring " NETDEV ": %s", tail);

	rc = sh("rdma link add " IBDEV " type rxe netdev " NETDEV);
	ps_log_tail(LOG, tail, sizeof(tail));
	ASSERT_EQ(0, rc) TH_LOG("rdma link add: %s", tail);
	self->ibdev_made = true;

	/* The port goes active and gets ADDR's GID from the netdev's events. */
	end = ps_now_ms() + 10000;
	while (!find_gid(self->gid, sizeof(self->gid)) && ps_now_ms() < end)
		ps_msleep(50);
	ASSERT_TRUE(find_gid(self->gid, sizeof(self->gid)))
		TH_LOG("%s has no GID of " ADDR, IB_PORT_DIR);
}

FIXTURE_TEARDOWN(rdma)
{
	ps_kill_child(&self->server);
	if (self->ibdev_made)
		sh("rdma link delete " IBDEV);
	if (self->netdev_made)
		sh("ip link delete " NETDEV);
	ps_fixture_teardown(_metadata, &self->env, RELEASE_WAIT_MS);
}

/* The length of the one memory region `rdma resource show mr` lists. */
static int64_t mr_len(void)
{
	char *buf, *p;
	long long len;
	int64_t ret = -1;

	unlink(LOG ".mr");
	if (sh("rdma resource show mr > " LOG ".mr") ||
	    ps_read_file(LOG ".mr", &buf, NULL))
		return -1;
	p = strstr(buf, " mrlen ");
	if (p && sscanf(p, " mrlen %lld", &len) == 1 && !strstr(p + 1, " mrlen "))
		ret = len;
	free(buf);
	return ret;
}

TEST_F_TIMEOUT(rdma, rc_pingpong, 300)
{
	char *server[] = { "ibv_rc_pingpong", "-d", IBDEV, "-g", self->gid,
			   "-p", PORT, "-s", "65536", "-n", ITERS, NULL };
	char *client[] = { "ibv_rc_pingpong", "-d", IBDEV, "-g", self->gid,
			   "-p", PORT, "-s", "65536", "-n", ITERS, "127.0.0.1",
			   NULL };
	struct ps_test_stats a, b, c;
	struct ps_stack_pins sp;
	struct ps_vm va;
	char tail[1024];
	int64_t end, len;
	int status, rc;

	self->server = ps_client_start(_metadata, server, LOG, &a, &va);

	/* Registered once the server listens for its client. */
	end = ps_now_ms() + SETUP_MS;
	do {
		ps_msleep(50);
		ASSERT_EQ(0, ps_pins_by_frame("ib_umem_get", self->server, &sp));
		if (!ps_wait_pid(self->server, 0, &status)) {
			self->server = -1;
			break;
		}
	} while (sp.pins < (int64_t)MR_PAGES && ps_now_ms() < end);
	ps_log_tail(LOG, tail, sizeof(tail));
	ASSERT_LT(0, self->server) TH_LOG("the server ended early: %s", tail);
	ASSERT_EQ((int64_t)MR_PAGES, sp.pins)
		TH_LOG("pins of the server's region whose stack names ib_umem_get; server output: %s",
		       tail);

	/* Each page of the region once, long-term, by the server only. */
	EXPECT_EQ(MR_PAGES, sp.rows);
	EXPECT_EQ((int64_t)MR_PAGES, sp.longterm);
	EXPECT_EQ(0U, sp.other_pid);
	len = mr_len();
	EXPECT_EQ(MR_BYTES, len) TH_LOG("rdma resource show mr: mrlen %lld",
					 (long long)len);
	ps_get_stats(_metadata, &b);
	EXPECT_EQ((int64_t)MR_PAGES, PS_DELTA(&a, &b, pins_outstanding));
	EXPECT_EQ((int64_t)MR_PAGES, PS_DELTA(&a, &b, longterm_outstanding));

	rc = ps_run(client, LOG, RUN_MS);
	ps_log_tail(LOG, tail, sizeof(tail));
	EXPECT_EQ(0, rc) TH_LOG("client: %s", tail);
	ps_client_end(_metadata, &self->server, RUN_MS, LOG, "the server");

	/* Both regions deregistered: every pin released, as vmstat says. */
	ps_check_all_released(_metadata, &a, &va, RELEASE_WAIT_MS, &c);
	ASSERT_EQ(0, ps_pins_by_frame("ib_umem_get", 0, &sp));
	EXPECT_EQ(0U, sp.rows);
	/* The server's region and the client's. */
	EXPECT_EQ((int64_t)(2 * MR_PAGES), PS_DELTA(&a, &c, api_pins));
	EXPECT_EQ((int64_t)(2 * MR_PAGES), PS_DELTA(&a, &c, api_unpins));
}

TEST_HARNESS_MAIN
