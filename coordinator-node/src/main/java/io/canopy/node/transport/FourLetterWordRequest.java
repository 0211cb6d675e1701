package io.canopy.node.transport;

/** A four-letter word received as the first bytes of a connection. */
public record FourLetterWordRequest(String word) {
}
