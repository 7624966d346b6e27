/** What a role may do in the UI. The server checks every call anyway; this only hides what would fail. */
export const OPERATOR_ROLES = ['admin', 'operator'];
export const ADMIN_ROLES = ['admin'];

export const canOperate = (user) => OPERATOR_ROLES.includes(user?.role);
export const isAdmin = (user) => user?.role === 'admin';
