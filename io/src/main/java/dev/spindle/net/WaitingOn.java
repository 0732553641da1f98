package dev.spindle.net;

/**
 * What a stream's or listener's poll waits for, as task dumps show it ({@code Context.waitingOn}): the resource and
 * the direction, e.g. {@code TcpStream 127.0.0.1:5000 -> 127.0.0.1:41234: readable}. One is made per resource and
 * direction up front and handed out on every Pending poll, so waiting allocates nothing; the text is built only
 * when a dump or report asks for it, on the diagnostic thread, from the resource's cached description.
 */
final class WaitingOn {
    private final Object resource;
    private final String what;

    WaitingOn(Object resource, String what) {
        this.resource = resource;
        this.what = what;
    }

    @Override
    public String toString() {
        return resource + ": " + what;
    }
}
