package io.canopy.node.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Quotas;
import org.apache.zookeeper.StatsTrack;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.cli.CliCommand;
import org.apache.zookeeper.cli.DelQuotaCommand;
import org.apache.zookeeper.cli.ListQuotaCommand;
import org.apache.zookeeper.cli.MalformedPathException;
import org.apache.zookeeper.cli.SetQuotaCommand;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/**
 * Quotas through zkCli's own command classes ({@code setquota}, {@code listquota}, {@code delquota}) and the
 * official client: the statistics the server keeps in {@code /zookeeper/quota/<path>/zookeeper_stats} as the
 * subtree changes, and the hard limits it enforces. Targets run with quota enforcement on (ZooKeeper's
 * {@code zookeeper.enforceQuota=true}, Canopy's {@code canopy.quota.enforce=true}).
 */
public abstract class AbstractQuotaConformanceTest extends ConformanceTestBase {

    /** Runs one zkCli command line on the admin client; returns what it printed (out, then err). */
    private String cli(CliCommand command, String... line) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            command.setZk(admin);
            command.setOut(out);
            command.setErr(out);
            command.parse(line).exec();
        }
        return printed.toString(StandardCharsets.UTF_8);
    }

    private String setquota(String option, long value, String path) throws Exception {
        return cli(new SetQuotaCommand(), "setquota", option, Long.toString(value), path);
    }

    private String listquota(String path) throws Exception {
        return cli(new ListQuotaCommand(), "listquota", path);
    }

    /** The statistics the server keeps for the quota on {@code path}. */
    private String stats(String path) throws Exception {
        List<StatsTrack> quota = ListQuotaCommand.listQuota(admin, path);
        return quota.get(1).toString();
    }

    private String limits(String path) throws Exception {
        return ListQuotaCommand.listQuota(admin, path).get(0).toString();
    }

    @Test
    void setquotaOnAnExistingSubtreeListsItsCountAndBytes() throws Exception {
        String q = createNode(path("q"), "abc");
        createNode(q + "/x", "12345");
        createNode(q + "/x/y", "");

        assertThat(setquota("-n", 10, q)).isEmpty();
        assertThat(listquota(q)).isEqualTo(String.join("\n",
                "absolute path is " + Quotas.limitPath(q),
                "Output quota for " + q + " count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1",
                "Output stat for " + q + " count=3,bytes=8", ""));
        // the client wrote count=0,bytes=0: the server filled in the subtree's numbers, data only
        Stat stat = stat(Quotas.statPath(q));
        assertThat(stat.getVersion()).isZero();
        assertThat(stat.getMzxid()).isEqualTo(stat.getCzxid());
    }

    @Test
    void statisticsFollowCreatesDataChangesDeletesMultisAndSessionEnds() throws Exception {
        String q = createNode(path("q"), "");
        createNode(path("q-sibling"), "not counted");
        setquota("-N", 100, q);
        assertThat(stats(q)).isEqualTo("count=1,bytes=0");
        Stat before = stat(Quotas.statPath(q));

        createNode(q + "/a", "xy");
        assertThat(stats(q)).isEqualTo("count=2,bytes=2");
        admin.setData(q + "/a", bytes("xyz12"), -1);
        assertThat(stats(q)).isEqualTo("count=2,bytes=5");
        createNode(path("q-other"), "outside");
        admin.multi(List.of(
                Op.create(q + "/m", bytes("123"), Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.setData(q + "/a", bytes("x"), -1),
                Op.delete(path("q-other"), -1)));
        assertThat(stats(q)).isEqualTo("count=3,bytes=4");

        ZooKeeper other = connect();
        other.create(q + "/e", bytes("eph"), Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        other.create(q + "/s-", null, Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL);
        assertThat(stats(q)).isEqualTo("count=5,bytes=7");
        other.close();
        assertThat(stats(q)).isEqualTo("count=3,bytes=4");

        admin.delete(q + "/m", -1);
        admin.delete(q + "/a", -1);
        assertThat(stats(q)).isEqualTo("count=1,bytes=0");
        Stat after = stat(Quotas.statPath(q));
        assertThat(after.getVersion()).as("stats are rewritten without a new version").isEqualTo(before.getVersion());
        assertThat(after.getMzxid()).isEqualTo(before.getMzxid());
    }

    @Test
    void aHardCountLimitRefusesCreatesAndChangesNothing() throws Exception {
        String q = createNode(path("q"), "");
        setquota("-N", 3, q);
        assertThat(limits(q)).isEqualTo("count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3");
        createNode(q + "/1", "");
        createNode(q + "/2", "");
        Stat parent = stat(q);

        assertThat(codeOf(() -> createNode(q + "/3", ""))).isEqualTo(Code.QUOTAEXCEEDED);
        assertThat(codeOf(() -> admin.create(q + "/s-", null, Ids.OPEN_ACL_UNSAFE,
                CreateMode.EPHEMERAL_SEQUENTIAL))).isEqualTo(Code.QUOTAEXCEEDED);
        // inside a multi, the whole multi fails
        assertThatThrownBy(() -> admin.multi(List.of(
                Op.create(path("outside"), null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.create(q + "/3", null, Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT))))
                .isInstanceOfSatisfying(KeeperException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.QUOTAEXCEEDED));
        assertThat(admin.exists(path("outside"), false)).isNull();
        assertThat(stat(q)).isEqualTo(parent);
        assertThat(stats(q)).isEqualTo("count=3,bytes=0");

        // a delete makes room again; nodes outside the quota are not limited
        admin.delete(q + "/2", -1);
        createNode(q + "/3", "");
        createNode(path("outside"), "");
        assertThat(stats(q)).isEqualTo("count=3,bytes=0");
    }

    @Test
    void aHardByteLimitRefusesSetDataAndCreate() throws Exception {
        String q = createNode(path("q"), "1234");
        createNode(q + "/a", "12345");
        setquota("-B", 10, q);
        assertThat(stats(q)).isEqualTo("count=2,bytes=9");

        assertThat(codeOf(() -> admin.setData(q + "/a", bytes("123456789"), -1))).isEqualTo(Code.QUOTAEXCEEDED);
        assertThat(codeOf(() -> admin.setData(q + "/a", bytes("123456789"), 42)))
                .as("the quota is checked before the version").isEqualTo(Code.QUOTAEXCEEDED);
        assertThat(codeOf(() -> createNode(q + "/b", "xx"))).isEqualTo(Code.QUOTAEXCEEDED);
        assertThat(string(admin.getData(q + "/a", false, null))).isEqualTo("12345");

        admin.setData(q + "/a", bytes("123456"), -1);
        createNode(q + "/empty", "");
        assertThat(stats(q)).isEqualTo("count=3,bytes=10");
    }

    @Test
    void softLimitsAreExceededWithoutError() throws Exception {
        String q = createNode(path("q"), "");
        setquota("-n", 2, q);
        setquota("-b", 3, q);
        assertThat(limits(q)).isEqualTo("count=2,bytes=3=;byteHardLimit=-1;countHardLimit=-1");
        createNode(q + "/a", "12");
        createNode(q + "/b", "345");
        assertThat(stats(q)).isEqualTo("count=3,bytes=5");
    }

    @Test
    void setquotaAgainOnAQuotaChangesItsLimits() throws Exception {
        String q = createNode(path("q"), "");
        setquota("-N", 5, q);
        setquota("-B", 100, q);
        assertThat(limits(q)).isEqualTo("count=-1,bytes=-1=;byteHardLimit=100;countHardLimit=5");
        assertThat(stats(q)).isEqualTo("count=1,bytes=0");
    }

    @Test
    void zkCliRefusesAQuotaAboveOrBelowAnother() throws Exception {
        String q = createNode(path("q"), "");
        String child = createNode(q + "/child", "");
        setquota("-n", 5, q);

        assertThatThrownBy(() -> setquota("-n", 5, child)).isInstanceOf(MalformedPathException.class)
                .hasMessageContaining(child + " has a parent " + q + " which has a quota");
        assertThatThrownBy(() -> setquota("-n", 5, root)).isInstanceOf(MalformedPathException.class)
                .hasMessageContaining(root + " has a child " + q + " which has a quota");
        assertThat(admin.exists(Quotas.limitPath(child), false)).isNull();
    }

    @Test
    void delquotaRemovesOneLimitOrTheWholeQuota() throws Exception {
        String q = createNode(path("q"), "");
        setquota("-N", 2, q);
        setquota("-n", 1, q);
        cli(new DelQuotaCommand(), "delquota", "-N", q);
        assertThat(limits(q)).isEqualTo("count=1,bytes=-1=;byteHardLimit=-1;countHardLimit=-1");
        createNode(q + "/a", "");
        createNode(q + "/b", "");
        assertThat(stats(q)).isEqualTo("count=3,bytes=0");

        cli(new DelQuotaCommand(), "delquota", q);
        assertThat(admin.exists(Quotas.quotaPath(q), false)).as("quota nodes trimmed").isNull();
        assertThat(listquota(q)).isEqualTo("absolute path is " + Quotas.limitPath(q) + "\n"
                + "quota for " + q + " does not exist.\n");
        setquota("-N", 3, q);
        assertThat(stats(q)).isEqualTo("count=3,bytes=0");
        assertThat(codeOf(() -> createNode(q + "/c", ""))).isEqualTo(Code.QUOTAEXCEEDED);
    }
}
