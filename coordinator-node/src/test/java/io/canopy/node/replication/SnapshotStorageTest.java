package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot storage remembers that there is no snapshot instead of listing the directory on every question,
 * and still sees every snapshot that appears through a load (start, or one installed from the leader) or is
 * recorded by the node's own writer.
 */
class SnapshotStorageTest {
    @TempDir
    Path dir;
    private RaftStorage raftStorage;
    private final SnapshotStorage storage = new SnapshotStorage();

    @BeforeEach
    void init() throws IOException {
        raftStorage = RaftStorage.newBuilder().setDirectory(dir.toFile())
                .setOption(RaftStorage.StartupOption.FORMAT)
                .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION)
                .setStorageFreeSpaceMin(SizeInBytes.ONE_KB).build();
        raftStorage.initialize();
        storage.init(raftStorage);
    }

    @AfterEach
    void close() throws IOException {
        raftStorage.close();
    }

    @Test
    void noSnapshotIsRememberedUntilOneIsLoaded() throws IOException {
        assertThat(storage.getLatestSnapshot()).isNull();
        File file = writeSnapshotFile(1, 40);
        assertThat(storage.getLatestSnapshot()).as("not looked for again (Ratis's storage would list the directory)")
                .isNull();

        // A snapshot installed from the leader: Ratis reinitializes the state machine, which loads it.
        assertThat(storage.loadLatestSnapshot().getTermIndex()).isEqualTo(TermIndex.valueOf(1, 40));
        assertThat(storage.getLatestSnapshot().getFile().getPath()).isEqualTo(file.toPath());
    }

    @Test
    void aRecordedSnapshotIsSeenAtOnce() throws IOException {
        assertThat(storage.getLatestSnapshot()).isNull();
        File file = writeSnapshotFile(2, 75);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), null),
                TermIndex.valueOf(2, 75)));
        assertThat(storage.getLatestSnapshot().getTermIndex()).isEqualTo(TermIndex.valueOf(2, 75));
    }

    @Test
    void aSnapshotOnDiskAtStartIsFound() throws IOException {
        writeSnapshotFile(3, 12);
        SnapshotStorage restarted = new SnapshotStorage();
        restarted.init(raftStorage);
        assertThat(restarted.getLatestSnapshot().getTermIndex()).isEqualTo(TermIndex.valueOf(3, 12));
    }

    private File writeSnapshotFile(long term, long index) throws IOException {
        File file = storage.getSnapshotFile(term, index);
        Files.write(file.toPath(), new byte[] {1, 2, 3});
        MD5FileUtil.computeAndSaveMd5ForFile(file);
        return file;
    }
}
