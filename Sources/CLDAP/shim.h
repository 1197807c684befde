// OpenLDAP's client library (Debian's libldap-dev), for the LDAP directory plugin.
#include <ldap.h>
