/* text.c - see include/ct/text.h. ASCII only on purpose: the codes these helpers serve are
 * ASCII, and no locale may change what counts as a digit or a space. */
#include "ct/text.h"

#include <string.h>

int ct_text_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *ct_text_trim(const char *s, size_t *len)
{
    while (ct_text_is_space(*s))
        s++;
    const char *end = s + strlen(s);
    while (end > s && ct_text_is_space(end[-1]))
        end--;
    *len = (size_t)(end - s);
    return s;
}

int ct_text_all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}
