/* err.c - filling and describing struct ct_err (see include/ct/err.h).
 * Formatting into problem+json is lib/http's job; this file only holds the values. */
#include "ct/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ct_err_clear(struct ct_err *e)
{
    memset(e, 0, sizeof *e);
}

int ct_err_set(struct ct_err *e, int status, const char *fmt, ...)
{
    va_list ap;
    e->status = status;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    return -1;
}

int ct_err_field(struct ct_err *e, const char *field, const char *fmt, ...)
{
    va_list ap;
    if (e->status == 0)
        e->status = 422;
    if (e->nfields >= CT_ERR_MAX_FIELDS)
        return -1;
    struct ct_err_field *f = &e->fields[e->nfields++];
    snprintf(f->field, sizeof f->field, "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    if (e->detail[0] == '\0')
        snprintf(e->detail, sizeof e->detail, "%s: %s", f->field, f->message);
    return -1;
}

const char *ct_err_title(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Server Error" : status < 300 ? "OK" : "Error";
    }
}

const char *ct_err_type(const struct ct_err *e)
{
    if (e->type[0])
        return e->type;
    switch (e->status) {
    case 400: return "bad-request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "method-not-allowed";
    case 409: return "conflict";
    case 413: return "payload-too-large";
    case 415: return "unsupported-media-type";
    case 422: return "validation";
    case 503: return "unavailable";
    default: return e->status >= 500 ? "internal" : "error";
    }
}
