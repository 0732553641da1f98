package dev.spindle.perf.servers.http;

import java.nio.ByteBuffer;

/**
 * Parses one HTTP/1.x request head (request line and header fields, RFC 9112) from the bytes buffered so
 * far, without copying them or creating strings: the results are fields of this object, and the path is a
 * range of the buffer.
 *
 * <h2>Use</h2>
 * {@link #parse} looks at {@code [position, limit)} of a buffer and does not move its position. It returns
 * {@link Outcome#COMPLETE} when a whole head is there (then {@link #headLength()} bytes make it up, and the
 * accessors describe it until the next {@code parse}), {@link Outcome#INCOMPLETE} when more bytes are needed,
 * or the error to answer with. An incomplete head is parsed again from its start when more bytes arrive;
 * heads are small (at most {@link #MAX_HEAD_BYTES}), so that costs less than keeping a resumable state.
 *
 * <h2>What is accepted</h2>
 * <ul>
 *   <li>Empty lines before the request line are skipped (RFC 9112 §2.2: clients may send a CRLF after a body).</li>
 *   <li>Lines end in CRLF or a bare LF (§2.2 allows a recipient to accept LF alone); a CR elsewhere is an error.</li>
 *   <li>Request line: a token method, one space, a target, one space, {@code HTTP/d.d}. The target is an
 *       origin-form path ({@code /p?q}), absolute-form ({@code http://host/p}, whose path is used) or
 *       {@code *}. Major version 1 only ({@link Outcome#VERSION_NOT_SUPPORTED} otherwise); minor versions
 *       above 1 are treated as 1.1 (§2.6).</li>
 *   <li>Header fields: a token name, the colon right after it (whitespace before the colon is rejected,
 *       §5.1), and a value without control characters; obsolete line folding is rejected (§5.2). Names are
 *       case-insensitive. An HTTP/1.1 request must have exactly one Host field (§3.2).</li>
 *   <li>Content-Length: digits only; several fields must agree. Transfer-Encoding is reported as
 *       {@link TransferCoding} for the server to decide (this one refuses request bodies sent that way).
 *       A request with both is rejected: it is the shape of request smuggling (§6.3).</li>
 * </ul>
 * Anything longer than {@link #MAX_HEAD_BYTES} before the end of the head is {@link Outcome#HEAD_TOO_LARGE}.
 */
final class HttpRequestParser {
    /** The request line and all header fields together, including line ends and the empty line. */
    static final int MAX_HEAD_BYTES = 8 * 1024;

    enum Outcome { COMPLETE, INCOMPLETE, BAD_REQUEST, HEAD_TOO_LARGE, VERSION_NOT_SUPPORTED }

    enum Method { GET, HEAD, POST, OTHER }

    enum TransferCoding { NONE, CHUNKED, OTHER }

    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private static final byte[] GET = ascii("GET");
    private static final byte[] HEAD = ascii("HEAD");
    private static final byte[] POST = ascii("POST");
    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] EXPECT = ascii("expect");
    private static final byte[] HOST = ascii("host");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] CHUNKED = ascii("chunked");
    private static final byte[] CONTINUE = ascii("100-continue");
    private static final byte[] HTTP_SCHEME = ascii("http://");
    private static final byte[] HTTPS_SCHEME = ascii("https://");
    private static final byte[] VERSION_PREFIX = ascii("HTTP/");
    /** 18 digits always fit in a long. */
    private static final int MAX_CONTENT_LENGTH_DIGITS = 18;

    /** {@link #lineEnd}: the bytes end inside a line end. */
    private static final int MORE = -1;
    /** {@link #lineEnd}: a CR not followed by LF. */
    private static final int STRAY_CR = -2;

    /** Scratch while parsing: the buffer, the range looked at, and where the last line parsed ended. */
    private ByteBuffer buf;
    private int start;
    private int end;
    private int next;

    private Method method;
    private int pathStart;
    private int pathEnd;
    private int minorVersion;
    private long contentLength;
    private TransferCoding transferCoding;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private boolean expectContinue;
    private int hostFields;
    private int headLength;
    private String problem;

    /** Parses the head at the start of {@code [b.position(), b.limit())}; see the class comment. */
    Outcome parse(ByteBuffer b) {
        buf = b;
        start = b.position();
        end = (int) Math.min(b.limit(), (long) start + MAX_HEAD_BYTES);
        method = Method.OTHER;
        pathStart = pathEnd = start;
        minorVersion = 1;
        contentLength = -1;
        transferCoding = TransferCoding.NONE;
        connectionClose = connectionKeepAlive = expectContinue = false;
        hostFields = 0;
        headLength = 0;
        problem = null;
        try {
            return parseHead();
        } finally {
            buf = null; // the parser must not keep a pooled buffer alive
        }
    }

    private Outcome parseHead() {
        Outcome requestLine = requestLine(start);
        if (requestLine != null) {
            return requestLine;
        }
        int p = next;
        for (;;) { // header fields, up to the empty line
            if (p == end) {
                return needMore();
            }
            int eol = lineEnd(p);
            if (eol == MORE) {
                return needMore();
            }
            if (eol >= 0 && eol != p) {
                p = eol;
                break; // the empty line: end of the head
            }
            Outcome field = field(p);
            if (field != null) {
                return field;
            }
            p = next;
        }
        if (contentLength >= 0 && transferCoding != TransferCoding.NONE) {
            return bad("both Content-Length and Transfer-Encoding");
        }
        if (minorVersion == 1 && hostFields != 1) {
            return bad(hostFields == 0 ? "HTTP/1.1 request without Host" : "more than one Host field");
        }
        headLength = p - start;
        return Outcome.COMPLETE;
    }

    /**
     * Parses the request line at {@code p}, after the empty lines a client may send before it; null if it is fine
     * (then {@link #next} is just after it).
     */
    private Outcome requestLine(int p) {
        for (;;) { // empty lines before the request line
            if (p == end) {
                return needMore();
            }
            int eol = lineEnd(p);
            if (eol == p) {
                break;
            }
            if (eol < 0) {
                return eol == MORE ? needMore() : bad("stray CR before the request line");
            }
            p = eol;
        }

        int methodStart = p;
        while (p < end && TCHAR[at(p)]) {
            p++;
        }
        if (p == end) {
            return needMore();
        }
        if (p == methodStart || at(p) != ' ') {
            return bad("malformed method in the request line");
        }
        method = method(methodStart, p);
        p++;

        int targetStart = p;
        while (p < end && at(p) > 0x20 && at(p) < 0x7F) {
            p++;
        }
        if (p == end) {
            return needMore();
        }
        if (p == targetStart || at(p) != ' ') {
            return bad("malformed request target");
        }
        if (!target(targetStart, p)) {
            return bad("request target must be a path, an absolute http(s) URI or *");
        }
        p++;

        for (int i = 0; i < 8; i++, p++) { // HTTP/d.d
            if (p == end) {
                return needMore();
            }
            int c = at(p);
            boolean ok = i < 5 ? c == VERSION_PREFIX[i] : i == 6 ? c == '.' : c >= '0' && c <= '9';
            if (!ok) {
                return bad("malformed HTTP version in the request line");
            }
        }
        int major = at(p - 3) - '0';
        int minor = at(p - 1) - '0';
        if (p == end) {
            return needMore();
        }
        int eol = lineEnd(p);
        if (eol < 0 || eol == p) {
            return eol == MORE ? needMore() : bad("request line does not end after the HTTP version");
        }
        p = eol;
        if (major != 1) {
            problem = "HTTP/" + major + "." + minor + " is not supported";
            return Outcome.VERSION_NOT_SUPPORTED;
        }
        minorVersion = Math.min(minor, 1);
        next = p;
        return null;
    }

    /** Parses the field line at {@code p}; null if it is fine (then {@link #next} is just after it). */
    private Outcome field(int p) {
        int c = at(p);
        if (c == ' ' || c == '\t') {
            return bad("obsolete line folding in a header field");
        }
        int nameStart = p;
        while (p < end && TCHAR[at(p)]) {
            p++;
        }
        if (p == end) {
            return needMore();
        }
        if (p == nameStart || at(p) != ':') {
            return bad("malformed header field name");
        }
        int nameEnd = p++;
        while (p < end && (at(p) == ' ' || at(p) == '\t')) {
            p++;
        }
        int valueStart = p;
        int valueEnd = p;
        for (; p < end; p++) {
            c = at(p);
            if (c == '\r' || c == '\n') {
                break;
            }
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                return bad("control character in a header field value");
            }
            if (c != ' ' && c != '\t') {
                valueEnd = p + 1; // trailing whitespace is not part of the value
            }
        }
        if (p == end) {
            return needMore();
        }
        int eol = lineEnd(p);
        if (eol < 0) {
            return eol == MORE ? needMore() : bad("CR without LF in a header field");
        }
        next = eol;
        return header(nameStart, nameEnd, valueStart, valueEnd);
    }

    /** Records a field the server cares about; null if fine, else the error. */
    private Outcome header(int name, int nameEnd, int value, int valueEnd) {
        if (equalsIgnoreCase(name, nameEnd, CONTENT_LENGTH)) {
            long n = digits(value, valueEnd);
            if (n < 0) {
                return bad("Content-Length is not a number of bytes");
            }
            if (contentLength >= 0 && contentLength != n) {
                return bad("conflicting Content-Length fields");
            }
            contentLength = n;
        } else if (equalsIgnoreCase(name, nameEnd, TRANSFER_ENCODING)) {
            int last = value; // the final coding decides how the body is framed (RFC 9112 §6.3)
            for (int i = value; i < valueEnd; i++) {
                if (at(i) == ',') {
                    last = i + 1;
                }
            }
            transferCoding = equalsIgnoreCase(skipSpaces(last, valueEnd), valueEnd, CHUNKED)
                    ? TransferCoding.CHUNKED : TransferCoding.OTHER;
        } else if (equalsIgnoreCase(name, nameEnd, CONNECTION)) {
            for (int i = value; i < valueEnd; ) {
                int tokenStart = skipSpaces(i, valueEnd);
                int tokenEnd = tokenStart;
                while (tokenEnd < valueEnd && at(tokenEnd) != ',') {
                    tokenEnd++;
                }
                int next = tokenEnd + 1;
                while (tokenEnd > tokenStart && (at(tokenEnd - 1) == ' ' || at(tokenEnd - 1) == '\t')) {
                    tokenEnd--;
                }
                connectionClose |= equalsIgnoreCase(tokenStart, tokenEnd, CLOSE);
                connectionKeepAlive |= equalsIgnoreCase(tokenStart, tokenEnd, KEEP_ALIVE);
                i = next;
            }
        } else if (equalsIgnoreCase(name, nameEnd, EXPECT)) {
            expectContinue |= equalsIgnoreCase(value, valueEnd, CONTINUE);
        } else if (equalsIgnoreCase(name, nameEnd, HOST)) {
            hostFields++;
        }
        return null;
    }

    /** Sets the path range from the target; false if the target has no form we accept. */
    private boolean target(int from, int to) {
        int c = at(from);
        int pathFrom;
        if (c == '/') {
            pathFrom = from;
        } else if (c == '*' && to - from == 1) {
            pathStart = from;
            pathEnd = to;
            return true;
        } else {
            int scheme = startsWithIgnoreCase(from, to, HTTP_SCHEME) ? HTTP_SCHEME.length
                    : startsWithIgnoreCase(from, to, HTTPS_SCHEME) ? HTTPS_SCHEME.length : -1;
            if (scheme < 0) {
                return false;
            }
            int authority = from + scheme;
            pathFrom = authority;
            while (pathFrom < to && at(pathFrom) != '/' && at(pathFrom) != '?') {
                pathFrom++;
            }
            if (pathFrom == authority) {
                return false; // no host
            }
        }
        int q = pathFrom;
        while (q < to && at(q) != '?') {
            q++;
        }
        pathStart = pathFrom;
        pathEnd = q; // empty for "http://host" and "http://host?q": the root
        return true;
    }

    /**
     * After the line end at {@code p}: {@code p + 2} for CRLF, {@code p + 1} for LF, {@code p} if no line
     * ends at {@code p}, {@link #MORE} if the bytes end inside it, {@link #STRAY_CR} for a CR without LF.
     */
    private int lineEnd(int p) {
        int c = at(p);
        if (c == '\n') {
            return p + 1;
        }
        if (c != '\r') {
            return p;
        }
        if (p + 1 == end) {
            return MORE;
        }
        return at(p + 1) == '\n' ? p + 2 : STRAY_CR;
    }

    private Outcome needMore() {
        return end - start >= MAX_HEAD_BYTES ? Outcome.HEAD_TOO_LARGE : Outcome.INCOMPLETE;
    }

    private Outcome bad(String why) {
        problem = why;
        return Outcome.BAD_REQUEST;
    }

    private Method method(int from, int to) {
        if (equalsExactly(from, to, GET)) {
            return Method.GET;
        }
        if (equalsExactly(from, to, HEAD)) {
            return Method.HEAD;
        }
        return equalsExactly(from, to, POST) ? Method.POST : Method.OTHER; // methods are case-sensitive
    }

    /** The decimal number in {@code [from, to)}, or -1 if it is not one (or is too long). */
    private long digits(int from, int to) {
        if (from == to || to - from > MAX_CONTENT_LENGTH_DIGITS) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            int d = at(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    private int skipSpaces(int from, int to) {
        while (from < to && (at(from) == ' ' || at(from) == '\t')) {
            from++;
        }
        return from;
    }

    private boolean equalsExactly(int from, int to, byte[] word) {
        if (to - from != word.length) {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            if (at(from + i) != word[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code [from, to)} is {@code lowercaseWord}, ignoring ASCII case. */
    private boolean equalsIgnoreCase(int from, int to, byte[] lowercaseWord) {
        return to - from == lowercaseWord.length && startsWithIgnoreCase(from, to, lowercaseWord);
    }

    private boolean startsWithIgnoreCase(int from, int to, byte[] lowercaseWord) {
        if (to - from < lowercaseWord.length) {
            return false;
        }
        for (int i = 0; i < lowercaseWord.length; i++) {
            int c = at(from + i);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lowercaseWord[i]) {
                return false;
            }
        }
        return true;
    }

    private int at(int i) {
        return buf.get(i) & 0xFF;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    // ---- the parsed head (valid after COMPLETE, until the next parse) -----------------------------------

    Method method() {
        return method;
    }

    /** Start of the path in the parsed buffer (absolute index); the query is not part of it. */
    int pathStart() {
        return pathStart;
    }

    /** End of the path (absolute index, exclusive); equal to {@link #pathStart()} for the root of an absolute URI. */
    int pathEnd() {
        return pathEnd;
    }

    /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x). */
    int minorVersion() {
        return minorVersion;
    }

    /** The Content-Length, or -1 if the request has none. */
    long contentLength() {
        return contentLength;
    }

    TransferCoding transferCoding() {
        return transferCoding;
    }

    /**
     * Whether the connection stays open after this exchange (RFC 9112 §9.3): HTTP/1.1 unless
     * {@code Connection: close}; HTTP/1.0 only with {@code Connection: keep-alive}.
     */
    boolean keepAlive() {
        return !connectionClose && (minorVersion == 1 || connectionKeepAlive);
    }

    /** Whether the client waits for {@code 100 Continue} before it sends the body. */
    boolean expectContinue() {
        return expectContinue;
    }

    /** Bytes of the head, from the start of the parsed range to just after the empty line. */
    int headLength() {
        return headLength;
    }

    /** For {@link Outcome#BAD_REQUEST} and {@link Outcome#VERSION_NOT_SUPPORTED}: what was wrong. */
    String problem() {
        return problem;
    }
}
