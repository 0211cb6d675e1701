package io.canopy.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.Test;

/** A log entry's bytes reach apply without a copy when they are one whole array, and as a copy otherwise. */
class ByteStringsTest {

    @Test
    void aByteStringOfOneWholeArrayGivesThatArray() {
        byte[] entry = {1, 2, 3, 4};
        assertThat(ByteStrings.array(UnsafeByteOperations.unsafeWrap(entry))).isSameAs(entry);

        ByteString parsed = ByteString.copyFrom(new byte[] {5, 6}); // what protobuf parsing makes of a bytes field
        byte[] first = ByteStrings.array(parsed);
        assertThat(first).containsExactly(5, 6);
        assertThat(ByteStrings.array(parsed)).as("the same array each time: no copy").isSameAs(first);
    }

    @Test
    void partOfAnArrayOrSeveralArraysAreCopiedIntoOne() {
        byte[] backing = {9, 1, 2, 3, 9};
        byte[] part = ByteStrings.array(UnsafeByteOperations.unsafeWrap(backing, 1, 3));
        assertThat(part).containsExactly(1, 2, 3).isNotSameAs(backing);

        ByteString rope = UnsafeByteOperations.unsafeWrap(new byte[] {1, 2})
                .concat(UnsafeByteOperations.unsafeWrap(new byte[] {3}))
                .concat(ByteString.copyFrom(new byte[] {4, 5}));
        assertThat(ByteStrings.array(rope)).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void anEmptyByteStringGivesAnEmptyArray() {
        assertThat(ByteStrings.array(ByteString.EMPTY)).isEmpty();
    }
}
