import { SetMetadata } from '@nestjs/common';
import type { Role } from '../../config';

/** Who may call a route: a role, or anyone (`public`). Routes without it are refused. */
export type Access = Role | 'public';

export const ACCESS_KEY = 'timeline:access';

/** Declares the role a route needs (`ops` keys may call every route). */
export const Access = (access: Access) => SetMetadata(ACCESS_KEY, access);
