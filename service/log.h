/*
 * One-line log records on stderr: time, level, message. Callers never pass
 * report contents here: no names, contacts, numbers or narratives.
 */
#ifndef FRAUD_LOG_H
#define FRAUD_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
