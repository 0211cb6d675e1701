/**
 * Client conformance suite: what a ZooKeeper-compatible server must do, observed only through the official
 * ZooKeeper 3.9.5 Java client, Curator 5.9.0 and raw four-letter words.
 *
 * <p>Each {@code Abstract...ConformanceTest} covers one area and gets its server from
 * {@link io.canopy.node.conformance.ConformanceTestBase#target()}. The {@code ...AgainstZooKeeperTest}
 * subclasses in {@code zookeeper} bind every area to a real Apache ZooKeeper started in the test JVM: they
 * validate the suite itself (differential testing), so an assertion in this package states ZooKeeper's
 * behaviour, surprises included (see the comments marked "Surprise").
 *
 * <p>To bind another server: implement {@link io.canopy.node.conformance.CoordinatorTarget} (connect string
 * and address of one server, session timeout bounds, the configured super digest credentials; override
 * {@code expireSession} only if the default twin-client close does not apply), then add one small subclass
 * per abstract class whose {@code target()} returns it, as {@code zookeeper.CreateAgainstZooKeeperTest}
 * does. The server must be configured like the reference: TTL nodes enabled, all four-letter words allowed,
 * containers and expired TTL nodes reaped within a few hundred milliseconds, a super digest user.
 *
 * <p>Every wait is multiplied by the system property {@code canopy.test.timing} (default 1).
 */
package io.canopy.node.conformance;
