import { createRouter, createWebHistory } from 'vue-router'
import Workspace from './views/Workspace.vue'
import ContentEdit from './views/ContentEdit.vue'
import Members from './views/Members.vue'

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/', redirect: '/content' },
    { path: '/content', component: Workspace },
    { path: '/content/new', component: ContentEdit },
    { path: '/content/:id', component: ContentEdit, props: true },
    { path: '/members', component: Members },
  ],
})
