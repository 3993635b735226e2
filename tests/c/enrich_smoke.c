/* Drives the C ABI the way a host does: links the static library, creates a handle, enriches a batch, reads the
 * cost back, and checks every error path. Usage: enrich_smoke <batch.pb>. Exit 0 = pass. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "last9_genai.h"

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                  \
            fprintf(stderr, "\n");                         \
            exit(1);                                       \
        }                                                  \
    } while (0)

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(*len);
    CHECK(fread(buf, 1, *len, f) == *len, "short read");
    fclose(f);
    return buf;
}

/* The double stored under attribute `key`: KeyValue{1: key, 2: AnyValue{4: double}} right after the key bytes. */
static int find_double(const uint8_t *buf, size_t len, const char *key, double *out) {
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen + 12 <= len; i++) {
        if (memcmp(buf + i, key, klen) == 0 && buf[i + klen] == 0x12 && buf[i + klen + 1] == 0x09 &&
            buf[i + klen + 2] == 0x21) {
            memcpy(out, buf + i + klen + 3, 8);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    CHECK(argc == 2, "usage: enrich_smoke <batch.pb>");
    CHECK(last9_genai_abi_v1() == 1, "abi");
    CHECK(strlen(last9_genai_version()) > 0, "version");
    CHECK(strcmp(last9_genai_status_text(LAST9_GENAI_STATUS_OK), "ok") == 0, "status text");
    CHECK(strcmp(last9_genai_status_text(12345), "unknown status code") == 0, "unknown status text");

    char err[256];
    size_t err_len = 0;
    last9_genai_processor *p = NULL;

    /* A bad config: the message names the key, nothing is allocated. */
    const char *bad = "{\"max_traces\": -1}";
    last9_genai_status st = last9_genai_processor_new((const uint8_t *)bad, strlen(bad), err, sizeof err, &err_len, &p);
    CHECK(st == LAST9_GENAI_STATUS_INVALID_CONFIG, "bad config status %u", (unsigned)st);
    CHECK(p == NULL, "handle written on failure");
    CHECK(strstr(err, "max_traces") != NULL && err_len == strlen(err), "error message: %s", err);

    /* A truncated error buffer stays NUL-terminated. */
    char tiny[8];
    st = last9_genai_processor_new((const uint8_t *)bad, strlen(bad), tiny, sizeof tiny, &err_len, &p);
    CHECK(st == LAST9_GENAI_STATUS_INVALID_CONFIG && err_len == 7 && tiny[7] == '\0', "truncated error");

    CHECK(last9_genai_processor_new(NULL, 5, err, sizeof err, NULL, &p) == LAST9_GENAI_STATUS_NULL_POINTER, "null config");
    CHECK(last9_genai_processor_new((const uint8_t *)"{}", 2, NULL, 0, NULL, NULL) == LAST9_GENAI_STATUS_NULL_POINTER,
          "null out");

    const char *cfg = "{\"pricing\": {\"acme-llm\": {\"input\": 2.0, \"output\": 8.0}}}";
    st = last9_genai_processor_new((const uint8_t *)cfg, strlen(cfg), err, sizeof err, &err_len, &p);
    CHECK(st == LAST9_GENAI_STATUS_OK && p != NULL, "new: %s", err);

    size_t in_len;
    unsigned char *in = read_file(argv[1], &in_len);
    last9_genai_bytes *out = NULL;
    st = last9_genai_enrich_traces(p, in, in_len, err, sizeof err, &err_len, &out);
    CHECK(st == LAST9_GENAI_STATUS_OK && out != NULL, "enrich: %s", err);
    const uint8_t *data = last9_genai_bytes_data(out);
    size_t len = last9_genai_bytes_len(out);
    CHECK(len > in_len, "output grew: %zu <= %zu", len, in_len);
    double cost = 0;
    CHECK(find_double(data, len, "gen_ai.usage.cost_usd", &cost), "cost attribute present");
    /* 1,000,000 input at $2 + 250,000 output at $8 per million = $4.00 exactly. */
    CHECK(cost == 4.0, "cost %.17g", cost);
    last9_genai_bytes_free(out);

    /* Malformed input: its own status, nothing written. */
    last9_genai_bytes *untouched = NULL;
    const uint8_t garbage[] = {0x0a, 0xff, 0xff, 0x01};
    st = last9_genai_enrich_traces(p, garbage, sizeof garbage, err, sizeof err, &err_len, &untouched);
    CHECK(st == LAST9_GENAI_STATUS_MALFORMED_INPUT && untouched == NULL, "malformed: %u", (unsigned)st);
    CHECK(strstr(err, "malformed OTLP protobuf") != NULL, "malformed message: %s", err);
    CHECK(last9_genai_enrich_traces(NULL, in, in_len, NULL, 0, NULL, &out) == LAST9_GENAI_STATUS_NULL_POINTER, "null p");
    CHECK(last9_genai_enrich_traces(p, NULL, 3, NULL, 0, NULL, &out) == LAST9_GENAI_STATUS_NULL_POINTER, "null in");

    /* Empty input is valid and gives empty output. */
    last9_genai_bytes *empty = NULL;
    CHECK(last9_genai_enrich_traces(p, NULL, 0, NULL, 0, NULL, &empty) == LAST9_GENAI_STATUS_OK, "empty");
    CHECK(last9_genai_bytes_len(empty) == 0, "empty output");
    last9_genai_bytes_free(empty);

    last9_genai_bytes *stats = NULL;
    CHECK(last9_genai_processor_stats(p, &stats) == LAST9_GENAI_STATUS_OK, "stats");
    char *json = strndup((const char *)last9_genai_bytes_data(stats), last9_genai_bytes_len(stats));
    CHECK(strstr(json, "\"priced\":1") && strstr(json, "\"errors\":1"), "stats json: %s", json);
    free(json);
    last9_genai_bytes_free(stats);

    last9_genai_bytes_free(NULL);
    last9_genai_processor_free(p);
    last9_genai_processor_free(NULL);
    free(in);
    printf("c api: all checks passed\n");
    return 0;
}
