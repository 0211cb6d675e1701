package io.canopy.core.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

import io.canopy.core.TreeView;
import io.canopy.protocol.ZkConstants.EventType;
import io.canopy.protocol.ZkConstants.WatcherType;

class WatchRegistryTest {
    final WatchRegistry r = new WatchRegistry();

    private List<Long> fire(String path, int type) {
        return r.trigger(new WatchTrigger(path, type, 7)).stream().map(WatchEvent::sessionId).toList();
    }

    @Test
    void oneShotDataWatchFiresOnce() {
        r.add(1, new WatchRegistration("/a", false));
        r.add(2, new WatchRegistration("/a", false));
        List<WatchEvent> ev = r.trigger(new WatchTrigger("/a", EventType.NODE_DATA_CHANGED, 7));
        assertThat(ev).containsExactly(new WatchEvent(1, EventType.NODE_DATA_CHANGED, 3, "/a", 7),
                new WatchEvent(2, EventType.NODE_DATA_CHANGED, 3, "/a", 7));
        assertThat(fire("/a", EventType.NODE_DATA_CHANGED)).isEmpty();
        assertThat(r.watchCount()).isZero();
    }

    @Test
    void childWatchesSeeChildrenChangedAndDeletion() {
        r.add(1, new WatchRegistration("/p", true));
        assertThat(fire("/p", EventType.NODE_DATA_CHANGED)).isEmpty();
        assertThat(fire("/p", EventType.NODE_CHILDREN_CHANGED)).containsExactly(1L);
        r.add(1, new WatchRegistration("/p", true));
        r.add(1, new WatchRegistration("/p", false));
        assertThat(fire("/p", EventType.NODE_DELETED)).containsExactly(1L); // deduplicated
        assertThat(r.watchCount()).isZero();
    }

    @Test
    void persistentWatchSeesAllEventsOnItsPathAndStays() {
        r.addPersistent(1, "/p", false);
        assertThat(fire("/p", EventType.NODE_CREATED)).containsExactly(1L);
        assertThat(fire("/p", EventType.NODE_DATA_CHANGED)).containsExactly(1L);
        assertThat(fire("/p", EventType.NODE_CHILDREN_CHANGED)).containsExactly(1L);
        assertThat(fire("/p", EventType.NODE_DELETED)).containsExactly(1L);
        assertThat(fire("/p/c", EventType.NODE_CREATED)).isEmpty();
        assertThat(r.has(1, "/p", WatcherType.PERSISTENT)).isTrue();
        assertThat(r.watchCount()).isEqualTo(2);
    }

    @Test
    void recursiveWatchSeesSubtreeButNotChildrenChanged() {
        r.addPersistent(1, "/p", true);
        assertThat(fire("/p/c/d", EventType.NODE_CREATED)).containsExactly(1L);
        assertThat(fire("/p", EventType.NODE_DATA_CHANGED)).containsExactly(1L);
        assertThat(fire("/p", EventType.NODE_CHILDREN_CHANGED)).isEmpty();
        assertThat(fire("/q", EventType.NODE_CREATED)).isEmpty();
        assertThat(fire("/pp", EventType.NODE_CREATED)).isEmpty();
        r.addPersistent(2, "/", true);
        assertThat(fire("/p/c", EventType.NODE_DELETED)).containsExactly(1L, 2L);
        r.add(1, new WatchRegistration("/p/c", false));
        assertThat(fire("/p/c", EventType.NODE_DELETED)).containsExactly(1L, 2L); // one event per session
    }

    @Test
    void removeAndHasFollowWatcherTypes() {
        r.add(1, new WatchRegistration("/a", false));
        r.add(1, new WatchRegistration("/a", true));
        assertThat(r.has(1, "/a", WatcherType.DATA)).isTrue();
        assertThat(r.has(1, "/a", WatcherType.PERSISTENT)).isFalse();
        assertThat(r.remove(1, "/a", WatcherType.PERSISTENT)).isFalse();
        assertThat(r.remove(1, "/a", WatcherType.DATA)).isTrue();
        assertThat(r.has(1, "/a", WatcherType.DATA)).isFalse();
        assertThat(r.has(1, "/a", WatcherType.ANY)).isTrue();
        assertThat(r.remove(1, "/a", WatcherType.ANY)).isTrue();
        assertThat(r.remove(1, "/a", WatcherType.ANY)).isFalse();
        r.addPersistent(1, "/a", true);
        assertThat(r.has(1, "/a", WatcherType.PERSISTENT_RECURSIVE)).isTrue();
        assertThat(r.remove(1, "/a", WatcherType.PERSISTENT)).isFalse();
        assertThat(r.remove(1, "/a", WatcherType.PERSISTENT_RECURSIVE)).isTrue();
        assertThat(fire("/a/b", EventType.NODE_CREATED)).isEmpty();
        r.addPersistent(2, "/b", false);
        r.add(2, new WatchRegistration("/b", false));
        assertThat(r.remove(2, "/b", WatcherType.PERSISTENT)).isTrue();
        assertThat(fire("/b", EventType.NODE_DATA_CHANGED)).containsExactly(2L); // the one-shot remains
        assertThat(r.watchCount()).isZero();
    }

    @Test
    void removeSessionAndReports() {
        r.add(1, new WatchRegistration("/a", false));
        r.add(1, new WatchRegistration("/b", true));
        r.add(2, new WatchRegistration("/a", false));
        assertThat(r.pathsBySession()).isEqualTo(Map.of(1L, java.util.Set.of("/a", "/b"), 2L, java.util.Set.of("/a")));
        r.removeSession(1);
        assertThat(r.watchCount()).isEqualTo(1);
        assertThat(fire("/a", EventType.NODE_DELETED)).containsExactly(2L);
    }

    @Test
    void aclFilterDropsEventsButConsumesWatches() {
        r.add(1, new WatchRegistration("/a", false));
        r.add(2, new WatchRegistration("/a", false));
        List<WatchEvent> ev = r.trigger(new WatchTrigger("/a", EventType.NODE_DATA_CHANGED, 7, List.of()),
                (session, acl) -> session == 2);
        assertThat(ev).extracting(WatchEvent::sessionId).containsExactly(2L);
        assertThat(r.watchCount()).isZero();
    }

    @Test
    void setWatchesFollowsDataTree() {
        Stat old = new Stat();
        old.setMzxid(5);
        old.setPzxid(5);
        Stat fresh = new Stat();
        fresh.setMzxid(50);
        fresh.setPzxid(50);
        TreeView tree = path -> switch (path) {
            case "/old" -> old;
            case "/new" -> fresh;
            default -> null;
        };
        List<WatchEvent> ev = r.setWatches(9, 10, List.of("/old", "/new", "/gone"), List.of("/old", "/gone"),
                List.of("/old", "/new", "/gone"), List.of("/p"), List.of("/r"), tree);
        assertThat(ev).extracting(WatchEvent::path, WatchEvent::eventType).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/new", EventType.NODE_DATA_CHANGED),
                org.assertj.core.groups.Tuple.tuple("/gone", EventType.NODE_DELETED),
                org.assertj.core.groups.Tuple.tuple("/old", EventType.NODE_CREATED),
                org.assertj.core.groups.Tuple.tuple("/new", EventType.NODE_CHILDREN_CHANGED),
                org.assertj.core.groups.Tuple.tuple("/gone", EventType.NODE_DELETED));
        assertThat(ev).allMatch(e -> e.zxid() == -1 && e.sessionId() == 9);
        assertThat(r.has(9, "/old", WatcherType.DATA)).isTrue();
        assertThat(r.has(9, "/gone", WatcherType.DATA)).isTrue();
        assertThat(r.has(9, "/old", WatcherType.CHILDREN)).isTrue();
        assertThat(r.has(9, "/p", WatcherType.PERSISTENT)).isTrue();
        assertThat(r.has(9, "/r", WatcherType.PERSISTENT_RECURSIVE)).isTrue();
    }
}
