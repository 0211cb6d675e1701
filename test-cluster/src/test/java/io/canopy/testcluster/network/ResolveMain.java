package io.canopy.testcluster.network;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Run in a JVM of its own by {@link HostsFileTest}: prints {@code name=address} (or {@code name=unknown}) for
 * every argument, then {@code getLocalHost=address}, as the JVM resolves them.
 */
public final class ResolveMain {
    private ResolveMain() {
    }

    public static void main(String[] args) {
        for (String name : args) {
            System.out.println(name + "=" + resolve(name));
        }
        try {
            System.out.println("getLocalHost=" + InetAddress.getLocalHost().getHostAddress());
        } catch (UnknownHostException e) {
            System.out.println("getLocalHost=unknown");
        }
    }

    private static String resolve(String name) {
        try {
            return InetAddress.getByName(name).getHostAddress();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
