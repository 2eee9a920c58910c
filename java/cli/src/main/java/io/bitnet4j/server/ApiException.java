package io.bitnet4j.server;

/**
 * An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with
 * an HTTP status.
 */
final class ApiException extends RuntimeException {

    final int status;
    final String type;
    final String param;
    final String code;

    ApiException(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request is malformed or asks for something impossible. */
    static ApiException invalid(String message, String param) {
        return new ApiException(400, "invalid_request_error", message, param, null);
    }

    static ApiException invalid(String message, String param, String code) {
        return new ApiException(400, "invalid_request_error", message, param, code);
    }
}
