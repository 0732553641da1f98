package dev.spindle.net;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-process client for {@link ManyConnectionsTest}: opens N connections to 127.0.0.1:port (in its own
 * process, so the server's descriptor limit holds only the server's sockets), sends one byte on each, reads the
 * echo of each, and prints "ok N" (or the failure).
 */
public final class ManyConnectionsClient {
    private ManyConnectionsClient() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        List<Socket> sockets = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.setSoTimeout(30_000);
                sockets.add(s);
            }
            for (int i = 0; i < n; i++) {
                OutputStream out = sockets.get(i).getOutputStream();
                out.write(i & 0x7f);
            }
            for (int i = 0; i < n; i++) {
                InputStream in = sockets.get(i).getInputStream();
                int b = in.read();
                if (b != (i & 0x7f)) {
                    System.out.println("bad echo on connection " + i + ": " + b);
                    return;
                }
            }
            System.out.println("ok " + n);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
