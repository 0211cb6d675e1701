package io.canopy.node.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.VersionedValue;
import org.apache.curator.framework.state.ConnectionState;
import org.junit.jupiter.api.Test;

/** Curator data recipes: a FIFO queue, an optimistic shared counter, and a cache that follows a subtree. */
public abstract class AbstractRecipesDataConformanceTest extends ConformanceTestBase {

    @Test
    void distributedQueueDeliversEveryItemInOrder() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        QueueConsumer<String> consumer = new QueueConsumer<>() {
            @Override
            public void consumeMessage(String message) {
                received.add(message);
            }

            @Override
            public void stateChanged(CuratorFramework client, ConnectionState newState) {
                // Nothing to do: the test fails on timeout if the connection breaks.
            }
        };
        QueueSerializer<String> serializer = new QueueSerializer<>() {
            @Override
            public byte[] serialize(String item) {
                return bytes(item);
            }

            @Override
            public String deserialize(byte[] bytes) {
                return string(bytes);
            }
        };
        DistributedQueue<String> consumerQueue = closeLater(
                QueueBuilder.builder(curator(), consumer, serializer, path("queue")).buildQueue());
        consumerQueue.start();
        DistributedQueue<String> producer = closeLater(
                QueueBuilder.builder(curator(), null, serializer, path("queue")).buildQueue());
        producer.start();
        List<String> items = IntStream.range(0, 50).mapToObj(i -> "item-" + i).toList();
        for (String item : items) {
            producer.put(item);
        }
        await().until(() -> received.size() == items.size());
        assertThat(received).containsExactlyElementsOf(items);
    }

    @Test
    void sharedCountAcceptsOnlyUpToDateUpdates() throws Exception {
        SharedCount first = closeLater(new SharedCount(curator(), path("count"), 0));
        SharedCount second = closeLater(new SharedCount(curator(), path("count"), 0));
        first.start();
        second.start();
        VersionedValue<Integer> seen = second.getVersionedValue();
        assertThat(first.trySetCount(first.getVersionedValue(), 5)).isTrue();
        assertThat(second.trySetCount(seen, 7)).as("stale version").isFalse();
        await().until(() -> second.getCount() == 5);
        for (int i = 0; i < 20; i++) {
            SharedCount who = i % 2 == 0 ? first : second;
            boolean done = false;
            for (int attempt = 0; attempt < 100 && !done; attempt++) {
                VersionedValue<Integer> current = who.getVersionedValue();
                done = who.trySetCount(current, current.getValue() + 1);
            }
            assertThat(done).isTrue();
        }
        await().until(() -> first.getCount() == 25 && second.getCount() == 25);
    }

    @Test
    void curatorCacheSeesCreatesUpdatesAndDeletes() throws Exception {
        CuratorFramework client = curator();
        client.create().forPath(path("cached"), bytes("0"));
        client.create().forPath(path("cached/existing"), bytes("e"));
        List<String> events = new CopyOnWriteArrayList<>();
        CuratorCache cache = closeLater(CuratorCache.build(client, path("cached")));
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreates(node -> events.add("create " + node.getPath() + "=" + string(node.getData())))
                .forChanges((before, after) -> events.add("change " + after.getPath() + "=" + string(after.getData())))
                .forDeletes(node -> events.add("delete " + node.getPath()))
                .forInitialized(() -> events.add("initialized"))
                .build());
        cache.start();
        await().until(() -> events.contains("initialized"));
        assertThat(events).containsExactlyInAnyOrder("create " + path("cached") + "=0",
                "create " + path("cached/existing") + "=e", "initialized");
        events.clear();

        admin.create(path("cached/new"), bytes("n"), org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE,
                org.apache.zookeeper.CreateMode.PERSISTENT);
        await().until(() -> events.contains("create " + path("cached/new") + "=n"));
        admin.setData(path("cached/new"), bytes("n2"), -1);
        await().until(() -> events.contains("change " + path("cached/new") + "=n2"));
        admin.delete(path("cached/new"), -1);
        await().until(() -> events.contains("delete " + path("cached/new")));
        assertThat(events).containsExactly("create " + path("cached/new") + "=n",
                "change " + path("cached/new") + "=n2", "delete " + path("cached/new"));
        assertThat(cache.get(path("cached/existing"))).isPresent();
        assertThat(cache.get(path("cached/new"))).isEmpty();
    }
}
