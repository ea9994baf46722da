/* SPDX-License-Identifier: MIT
 * Status codes shared by every recsys module. */
#ifndef RS_STATUS_H
#define RS_STATUS_H

enum rs_status {
    RS_OK = 0,
    RS_ENOMEM = -1,     /* an allocation failed */
    RS_EINVAL = -2,     /* the data is invalid; the err buffer says why */
    RS_ENOTFOUND = -3,  /* an id does not name anything in the catalog */
    RS_ERANGE = -4,     /* a size or count is out of range */
};

/* A short constant description of status `st` (any int); never NULL. */
const char *rs_strerror(int st);

#endif
