/* dates.h - civil dates as day numbers (days since 1970-01-01), no time zones involved.
 * Compliance arithmetic counts civil days; never use mktime/localtime for it. */
#ifndef CT_DATES_H
#define CT_DATES_H

#include <stdint.h>

/* Day number of a proleptic Gregorian date (no validation; see ct_date_valid). */
int64_t ct_days_from_civil(int y, int m, int d);

/* Inverse of ct_days_from_civil. Any out-pointer may be NULL. */
void ct_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Number of days in month m (1..12) of year y; 0 for a bad month. */
int ct_days_in_month(int y, int m);

/* 1 when y-m-d is a real date with 1 <= y <= 9999, else 0. */
int ct_date_valid(int y, int m, int d);

/* Strict "YYYY-MM-DD" (exactly 10 characters, a real date). 0 and *days set, or -1. */
int ct_date_parse(const char *s, int64_t *days);

/* Writes "YYYY-MM-DD" and a NUL into out (at least 11 bytes). Returns out. */
char *ct_date_format(int64_t days, char *out);

/* Today's date in UTC as a day number. */
int64_t ct_date_today(void);

#endif
