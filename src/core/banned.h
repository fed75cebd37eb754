/*
 * banned.h - calls that must not appear in civicare (STYLE.md habit 11).
 * Included last by every .c file, after the system headers (`make check-banned`
 * verifies it).
 */
#ifndef CIVICARE_BANNED_H
#define CIVICARE_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_use_the_bounded_form

#undef strcpy
#define strcpy(a, b) BANNED(strcpy)
#undef strcat
#define strcat(a, b) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(a, b) BANNED(strtok)
#undef atoi
#define atoi(a) BANNED(atoi)
#undef gets
#define gets(a) BANNED(gets)
#undef localtime
#define localtime(a) BANNED(localtime)
#undef gmtime
#define gmtime(a) BANNED(gmtime)

#endif
