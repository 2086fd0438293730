import { createRouter, createWebHistory } from 'vue-router'
import Workspace from './views/Workspace.vue'
import ContentEdit from './views/ContentEdit.vue'
import Members from './views/Members.vue'
import Sites from './views/Sites.vue'
import Media from './views/Media.vue'
import Volunteer from './views/Volunteer.vue'
import Interaction from './views/Interaction.vue'
import Tasks from './views/Tasks.vue'
import Cockpit from './views/Cockpit.vue'
import Meetings from './views/Meetings.vue'
import Learning from './views/Learning.vue'
import Accounts from './views/Accounts.vue'

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/', redirect: '/content' },
    { path: '/content', component: Workspace },
    // One route for a new item and a saved one, so that the page stays
    // the same when the first save gives the item its id.
    { path: '/content/:id', component: ContentEdit, props: true },
    { path: '/members', component: Members },
    { path: '/sites', component: Sites },
    { path: '/media', component: Media },
    { path: '/volunteer', component: Volunteer },
    { path: '/interaction', component: Interaction },
    { path: '/tasks', component: Tasks },
    { path: '/cockpit', component: Cockpit },
    { path: '/meetings', component: Meetings },
    { path: '/learning', component: Learning },
    { path: '/accounts', component: Accounts },
  ],
})
