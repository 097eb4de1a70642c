/* receiver.h - a local webhook receiver for the integration tests: a libevent evhttp server on its
 * own thread (plain HTTP, or HTTPS with a certificate made by rcv_make_cert) that checks every
 * delivery's Standard Webhooks signature with ct_webhook_verify, records what arrived and when,
 * and answers as told per path: a status, a delay, a huge body, a Retry-After. It can stop
 * listening and start again on the same port. All functions are for the test's main thread. */
#ifndef CT_IT_RECEIVER_H
#define CT_IT_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

struct rcv;

/* One request as it arrived. */
struct rcv_hit {
    char id[96];       /* webhook-id */
    char path[128];    /* the request path, without the query */
    char type[64];     /* the payload's "type" */
    int sig_ok;        /* signature and timestamp (within 5 minutes) verified with the path's secret */
    int status;        /* what was (or is to be) answered */
    int person;        /* the body mentions "person_ref" */
    int64_t t_in_us;   /* CLOCK_MONOTONIC: the whole request was in */
    int64_t t_out_us;  /* the answer was sent; 0 while held back or when the client left first */
    char ua[64];       /* User-Agent */
    char ctype[64];    /* Content-Type */
    long long ts;      /* webhook-timestamp */
    char *body;        /* the payload (NUL-terminated) */
};

/* Start a receiver on 127.0.0.1:port (0: a free port); with cert_file/key_file (PEM), HTTPS.
 * Aborts the test program on failure. Returns new (rcv_free). */
struct rcv *rcv_start(int port, const char *cert_file, const char *key_file);
int rcv_port(const struct rcv *r);
/* Stop listening (new connections are refused) / listen again on the same port. */
void rcv_down(struct rcv *r);
void rcv_up(struct rcv *r);
void rcv_free(struct rcv *r);

/* The secret ("whsec_...") deliveries to path are signed with; copied. */
void rcv_secret(struct rcv *r, const char *path, const char *secret);
/* How to answer requests to path from now on: status (0 = 200), delay before answering (ms), body
 * size in bytes (0 = "ok"), and a Retry-After value (NULL = none). */
void rcv_behave(struct rcv *r, const char *path, int status, int delay_ms, size_t body_bytes, const char *retry_after);
/* Answer the next n requests to path with status (then as rcv_behave says). */
void rcv_fail_next(struct rcv *r, const char *path, int n, int status);

/* A copy of every hit so far, in arrival order (caller frees with rcv_hits_free). */
int rcv_hits(struct rcv *r, struct rcv_hit **out);
void rcv_hits_free(struct rcv_hit *h, int n);
/* Requests to path so far, and distinct webhook-ids among them. */
int rcv_count(struct rcv *r, const char *path);
int rcv_distinct(struct rcv *r, const char *path);
/* Wait until path has at least n distinct webhook-ids: 0, or -1 after timeout_ms. */
int rcv_wait(struct rcv *r, const char *path, int n, int timeout_ms);

/* Write a self-signed certificate (CA:TRUE, usable as its own trust anchor) for the DNS name
 * dns_name, with its P-256 key, to cert_file and key_file. 0 or -1. */
int rcv_make_cert(const char *cert_file, const char *key_file, const char *dns_name);

/* CLOCK_MONOTONIC in microseconds, the clock of t_in_us / t_out_us. */
int64_t rcv_now_us(void);

#endif
