package io.canopy.testcluster.process;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Asks a node a four-letter word on its client port and reads the answer ZooKeeper's way (the server writes the
 * answer and closes the connection), and parses the answers the harness relies on.
 */
final class FourLetterWordClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    /** A stopped (SIGSTOP) process accepts connections in the kernel but never answers: this bounds the wait. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

    private FourLetterWordClient() {
    }

    /** The complete answer, or null if nothing answers (refused, timed out, or closed without a byte). */
    static String send(String host, int port, String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
            s.setSoTimeout((int) READ_TIMEOUT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return answer.isEmpty() ? null : answer;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code mntr}'s {@code key<TAB>value} lines as a map in answer order; empty for a null answer. */
    static Map<String, String> parseMntr(String answer) {
        if (answer == null) {
            return Map.of();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : answer.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                values.put(line.substring(0, tab).trim(), line.substring(tab + 1).trim());
            }
        }
        return Collections.unmodifiableMap(values);
    }

    /** The value of {@code srvr}'s {@code Mode:} line ({@code leader}, {@code follower}, ...), or null. */
    static String parseMode(String srvrAnswer) {
        if (srvrAnswer == null) {
            return null;
        }
        for (String line : srvrAnswer.split("\n")) {
            if (line.startsWith("Mode:")) {
                return line.substring("Mode:".length()).trim();
            }
        }
        return null;
    }
}
