import type { Recipient, RecipientList } from '../generated/prisma/client';

export interface RecipientListView {
  id: number;
  name: string;
  description: string | null;
  recipientCount: number;
  createdById: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RecipientView {
  id: number;
  listId: number;
  phone: string;
  name: string | null;
  variables: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export const toListView = (row: RecipientList & { _count: { recipients: number } }): RecipientListView => ({
  id: row.id,
  name: row.name,
  description: row.description,
  recipientCount: row._count.recipients,
  createdById: row.createdById,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export const toRecipientView = (row: Recipient): RecipientView => ({
  id: row.id,
  listId: row.listId,
  phone: row.phone,
  name: row.name,
  variables: (row.variables ?? {}) as Record<string, string>,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});
